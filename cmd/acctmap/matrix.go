package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
)

// matrixJSON is the JSON form of a matrix, with names a script can rely on.
type matrixJSON struct {
	Partner     string           `json:"partner"`
	PartnerName string           `json:"partner_name"`
	Rows        []populationJSON `json:"rows"`
	Columns     []populationJSON `json:"columns"`
	// Counts[i][j] is the overlap of Rows[i] and Columns[j].
	Counts            [][]int64 `json:"counts"`
	HiddenFromPartner [][]int64 `json:"hidden_from_partner"`
}

type populationJSON struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`
	Level  string   `json:"level,omitempty"` // what the partner shares of its column; none for your rows
	Fields []string `json:"fields,omitempty"`
}

func popJSON(p acctmap.PopulationInfo) populationJSON {
	return populationJSON{ID: p.ID, Name: p.Name, Kind: string(p.Kind), Level: levelName(p.Level), Fields: p.Fields}
}

func (a *app) matrixCmd() *cobra.Command {
	format := newChoice("table", "table", "csv", "json")
	c := &cobra.Command{
		Use:   "matrix PARTNER",
		Short: "The account mapping matrix with a partner: overlap counts of every pair of populations",
		Long: `matrix prints, for every pair of one of your populations (rows) and one of the
partner's that you may see (columns), the number of distinct accounts in both.
Under each column: what the partner shares of it with you (counts, or the
fields of overlapping or full records, which 'acctmap report' shows).

A count followed by "(n hidden)" includes n accounts that the partner does not
see for the same pair: matched through your private records, or through your
populations hidden from it.

--format csv writes one line per pair (population, partner population, count,
hidden from partner); --format json the whole matrix.`,
		Example: `  acctmap matrix bolt-warehouse
  acctmap matrix bolt-warehouse --format csv > matrix.csv
  acctmap matrix "Cobalt Consulting" --format json`,
		Args: exactArgs(1, "PARTNER"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			p, err := s.resolvePartner(ctx, args[0])
			if err != nil {
				return err
			}
			mx, err := s.actor.Matrix(ctx, p.ID)
			if err != nil {
				return err
			}
			switch format.value {
			case "json":
				out := matrixJSON{Partner: p.ID, PartnerName: p.Name, Counts: mx.Counts, HiddenFromPartner: mx.HiddenFromPartner}
				for _, r := range mx.Rows {
					pj := popJSON(r)
					pj.Level, pj.Fields = "", nil
					out.Rows = append(out.Rows, pj)
				}
				for _, c := range mx.Cols {
					out.Columns = append(out.Columns, popJSON(c))
				}
				return writeJSON(a.data, out)
			case "csv":
				w := csv.NewWriter(a.data)
				_ = w.Write([]string{"population", "partner_population", "partner_shares", "accounts", "hidden_from_partner"})
				for i, r := range mx.Rows {
					for j, c := range mx.Cols {
						_ = w.Write([]string{r.Name, c.Name, levelName(c.Level),
							strconv.FormatInt(mx.Counts[i][j], 10), strconv.FormatInt(mx.HiddenFromPartner[i][j], 10)})
					}
				}
				w.Flush()
				return w.Error()
			}
			return a.printMatrix(s, p, mx)
		}),
	}
	c.Flags().VarP(format, "format", "f", "table, csv or json")
	return c
}

func (a *app) printMatrix(s *session, p partner, mx acctmap.OverlapMatrix) error {
	fmt.Fprintf(a.stdout, "Accounts in common: %s (rows) × %s (columns)\n\n", clean(s.org.Name), clean(p.Name))
	if len(mx.Rows) == 0 || len(mx.Cols) == 0 {
		switch {
		case len(mx.Rows) == 0:
			fmt.Fprintln(a.stdout, "You have no populations yet: define some with 'acctmap population add'.")
		default:
			fmt.Fprintf(a.stdout, "%s shows you no populations yet.\n", clean(p.Name))
		}
		return nil
	}
	header := []string{""}
	shares := []string{""}
	right := []bool{false}
	for _, c := range mx.Cols {
		header = append(header, c.Name)
		shares = append(shares, shareNote(c, p.Offline))
		right = append(right, true)
	}
	t := &table{header: header, right: right}
	t.add(shares...)
	hidden := false
	for i, r := range mx.Rows {
		row := []string{r.Name}
		for j := range mx.Cols {
			cell := count(mx.Counts[i][j])
			if h := mx.HiddenFromPartner[i][j]; h > 0 {
				cell += fmt.Sprintf(" (%s hidden)", count(h))
				hidden = true
			}
			row = append(row, cell)
		}
		t.add(row...)
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	if hidden {
		fmt.Fprintf(a.stdout, "\n(n hidden): accounts %s does not see for that pair: matched through your private records or populations hidden from it.\n", clean(p.Name))
	}
	fmt.Fprintf(a.stdout, "\nRecords of a cell: acctmap report %s --population ROW --partner-population COLUMN\n", shellArg(p))
	return nil
}

// shareNote says what the partner shares of a column.
func shareNote(c acctmap.PopulationInfo, offline bool) string {
	switch {
	case offline:
		return "(your upload)"
	case c.Level == acctmap.OverlappingRecords, c.Level == acctmap.FullPopulation:
		return fmt.Sprintf("(%s: %d fields)", levelName(c.Level), len(c.Fields))
	default:
		return "(" + levelName(c.Level) + ")"
	}
}

// shellArg is how to name a partner in a follow-up command.
func shellArg(p partner) string {
	if slug(p.ID) == p.ID {
		return p.ID
	}
	return shellQuote(p.Name)
}
