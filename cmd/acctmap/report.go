package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
)

type reportOpts struct {
	population, partnerPopulation string
	columns, sort                 []string
	filter                        filterFlags
	limit, offset                 int
	pairs                         bool
}

func (o *reportOpts) add(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.population, "population", "", "your population: the row of the matrix cell (required)")
	f.StringVar(&o.partnerPopulation, "partner-population", "", "the partner's population: the column (required)")
	f.StringSliceVar(&o.columns, "columns", nil, "columns to show, in order, e.g. my.name,partner.name,match.confidence (default: all)")
	f.StringSliceVar(&o.sort, "sort", nil, "sort by these columns; -column or 'column desc' for descending")
	f.IntVar(&o.limit, "limit", 0, "at most this many rows (0: all)")
	f.IntVar(&o.offset, "offset", 0, "skip this many rows first")
	f.BoolVar(&o.pairs, "pairs", false, "one row per matching pair of records, with its evidence, instead of one per account")
	o.filter.add(c, "report columns")
}

// spec builds the library's ReportSpec from the flags.
func (o *reportOpts) spec(ctx context.Context, cmd *cobra.Command, s *session, p partner) (acctmap.ReportSpec, error) {
	f, err := o.filter.filter(cmd)
	if err != nil {
		return acctmap.ReportSpec{}, err
	}
	sortKeys, err := sortKeys(cmd, o.sort)
	if err != nil {
		return acctmap.ReportSpec{}, err
	}
	mine, err := s.resolvePopulation(ctx, "", s.org.Name, o.population)
	if err != nil {
		return acctmap.ReportSpec{}, err
	}
	theirs, err := s.resolvePartnerPopulation(ctx, p, o.partnerPopulation)
	if err != nil {
		return acctmap.ReportSpec{}, err
	}
	return acctmap.ReportSpec{Partner: p.ID, Population: mine.ID, PartnerPopulation: theirs.ID,
		Columns: nonEmpty(o.columns), Filter: f, Sort: sortKeys, Offset: o.offset, Limit: o.limit, Pairs: o.pairs}, nil
}

// blame checks the report's filter before an export spends quota on it,
// naming the flag at fault.
func (o *reportOpts) blame(ctx context.Context, s *session, spec acctmap.ReportSpec) error {
	if len(spec.Filter.All) == 0 && len(spec.Filter.AnyOf) == 0 {
		return nil
	}
	try := func(f acctmap.Filter) error {
		one := spec
		one.Filter, one.Limit, one.Offset = f, 1, 0
		_, err := s.actor.Report(ctx, one)
		return err
	}
	if err := try(spec.Filter); err != nil {
		return o.filter.blame(err, spec.Filter, try)
	}
	return nil
}

func (o *reportOpts) check(cmd *cobra.Command) error {
	switch {
	case o.population == "":
		return usagef(cmd, "missing --population: your population, a row of the matrix")
	case o.partnerPopulation == "":
		return usagef(cmd, "missing --partner-population: the partner's population, a column of the matrix")
	case o.limit < 0:
		return usagef(cmd, "--limit %d: want 0 (all) or more", o.limit)
	case o.offset < 0:
		return usagef(cmd, "--offset %d: want 0 or more", o.offset)
	}
	return nil
}

func sortKeys(cmd *cobra.Command, in []string) ([]acctmap.SortKey, error) {
	var out []acctmap.SortKey
	for _, s := range nonEmpty(in) {
		k := acctmap.SortKey{Column: s}
		fields := strings.Fields(s)
		switch {
		case strings.HasPrefix(s, "-"):
			k = acctmap.SortKey{Column: strings.TrimSpace(s[1:]), Desc: true}
		case len(fields) > 1 && strings.EqualFold(fields[len(fields)-1], "desc"):
			k = acctmap.SortKey{Column: strings.TrimSpace(s[:strings.LastIndexFunc(s, isSpace)]), Desc: true}
		case len(fields) > 1 && strings.EqualFold(fields[len(fields)-1], "asc"):
			k = acctmap.SortKey{Column: strings.TrimSpace(s[:strings.LastIndexFunc(s, isSpace)])}
		}
		if k.Column == "" {
			return nil, usagef(cmd, "--sort %.40q: name a column", s)
		}
		out = append(out, k)
	}
	return out, nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' }

// reportJSON is the JSON form of a report.
type reportJSON struct {
	Partner string          `json:"partner"`
	Columns []string        `json:"columns"`
	Total   int             `json:"total"`
	Rows    []reportRowJSON `json:"rows"`
}

type reportRowJSON struct {
	Values          []string `json:"values"`
	MatchedOn       string   `json:"matched_on"`
	Key             string   `json:"key"`
	Confidence      int      `json:"confidence"`
	Explanation     string   `json:"explanation"`
	RecordID        string   `json:"record_id"`
	PartnerRecordID string   `json:"partner_record_id,omitempty"`
}

func (a *app) reportCmd() *cobra.Command {
	o := &reportOpts{}
	format := newChoice("table", "table", "csv", "json")
	c := &cobra.Command{
		Use:   "report PARTNER --population P --partner-population Q",
		Short: "The accounts of one matrix cell, with the fields the partner shares",
		Long: `report lists the accounts in both your population P and the partner's population
Q, one row each: your record's fields (my.<field>), the fields the partner
shares of its record (partner.<field>), and how they match (match.on, match.key,
match.confidence 20-100, match.explanation). The partner must share Q at
overlapping or full level: otherwise ask with 'acctmap share request'.

--where and --any filter rows on these column names, --sort orders them.
--format csv writes the report as an export does ('acctmap export'): it needs
the export permission and counts against your plan's export limit.`,
		Example: `  acctmap report bolt-warehouse --population Customers --partner-population Customers
  acctmap report bolt-warehouse --population Prospects --partner-population Customers \
      --columns my.name,my.Account\ Owner,partner.name,partner.CSM,match.confidence \
      --where 'match.confidence > 60' --sort -match.confidence --limit 20
  acctmap report bolt-warehouse --population Customers --partner-population Customers --format json`,
		Args: exactArgs(1, "PARTNER"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := o.check(cmd); err != nil {
				return err
			}
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			p, err := s.resolvePartner(ctx, args[0])
			if err != nil {
				return err
			}
			spec, err := o.spec(ctx, cmd, s, p)
			if err != nil {
				return err
			}
			if err := o.blame(ctx, s, spec); err != nil {
				return err
			}
			if format.value == "csv" {
				_, err := s.actor.ExportReport(ctx, spec, a.data)
				return err
			}
			rep, err := s.actor.Report(ctx, spec)
			if err != nil {
				return err
			}
			if format.value == "json" {
				out := reportJSON{Partner: p.ID, Columns: rep.Columns, Total: rep.Total, Rows: []reportRowJSON{}}
				for _, r := range rep.Rows {
					out.Rows = append(out.Rows, reportRowJSON{Values: r.Values, MatchedOn: r.MatchedOn, Key: r.Key, Confidence: r.Confidence,
						Explanation: r.Explanation, RecordID: r.RecordID, PartnerRecordID: r.PartnerRecordID})
				}
				return writeJSON(a.data, out)
			}
			t := &table{header: rep.Columns}
			for _, r := range rep.Rows {
				t.add(r.Values...)
			}
			if len(rep.Rows) > 0 {
				if err := t.write(a.stdout); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout)
			}
			shown := plural(int64(rep.Total), "account", "accounts")
			if spec.Pairs {
				shown = plural(int64(rep.Total), "pair", "pairs")
			}
			if len(rep.Rows) < rep.Total {
				shown = fmt.Sprintf("rows %d to %d of %s", o.offset+1, o.offset+len(rep.Rows), shown)
			}
			fmt.Fprintln(a.stdout, capitalize(shown)+".")
			return nil
		}),
	}
	o.add(c)
	c.Flags().VarP(format, "format", "f", "table, csv or json")
	return c
}

func (a *app) exportCmd() *cobra.Command {
	o := &reportOpts{}
	var out string
	c := &cobra.Command{
		Use:   "export PARTNER --population P --partner-population Q -o FILE",
		Short: "Export a report as CSV, spreadsheet-safe, counted against your plan's export limit",
		Long: `export writes the report of one matrix cell (see 'acctmap report') as CSV: a
header line and one line per row. Values a spreadsheet would run as a formula
are neutralized. It needs the export permission, and the rows count against
your org's export limit: an export over the limit writes nothing. The file is
written whole or not at all; -o - writes to standard output.`,
		Example: `  acctmap export bolt-warehouse --population Customers --partner-population Customers -o overlap.csv
  acctmap export bolt-warehouse --population Prospects --partner-population Customers \
      --columns my.name,partner.name,partner.CSM -o - | head`,
		Args: exactArgs(1, "PARTNER"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := o.check(cmd); err != nil {
				return err
			}
			if out == "" {
				return usagef(cmd, "missing -o FILE (or -o - for standard output)")
			}
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			p, err := s.resolvePartner(ctx, args[0])
			if err != nil {
				return err
			}
			spec, err := o.spec(ctx, cmd, s, p)
			if err != nil {
				return err
			}
			if err := o.blame(ctx, s, spec); err != nil {
				return err
			}
			if out == "-" {
				_, err := s.actor.ExportReport(ctx, spec, a.data)
				return err
			}
			n, err := exportFile(ctx, s, spec, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Exported %s to %s.\n", plural(int64(n), "row", "rows"), out)
			return nil
		}),
	}
	o.add(c)
	c.Flags().StringVarP(&out, "output", "o", "", "the CSV file to write (- for standard output)")
	return c
}

// exportFile writes the export to a temporary file beside path and renames
// it into place: a failed export leaves no partial file, nor harms an old one.
// The file is readable by its owner only (0600): it holds partner data.
func exportFile(ctx context.Context, s *session, spec acctmap.ReportSpec, path string) (int, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, failf("cannot write %s: %v", path, errors.Unwrap(err))
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	w := bufio.NewWriter(tmp)
	n, err := s.actor.ExportReport(ctx, spec, w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, failf("cannot write %s: %v", path, errors.Unwrap(err))
	}
	return n, nil
}
