package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/cmd/acctmap/internal/where"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
)

// sampleRows is how many rows the mapping step reads: three are shown, all
// of them feed the suggested types.
const sampleRows = 200

type importOpts struct {
	source, partner, newPartner string
	populationsFrom             string
	name, website, id, aliases  string
	regID, scheme               string
	otherNames, otherWebsites   []string
	yes, lenient                bool
	delimiter, encoding         string
	progress                    *choice
	progressInterval            time.Duration
	progressEvery               int
	show                        int // rejected rows and warnings listed
}

func (a *app) importCmd() *cobra.Command {
	o := &importOpts{progress: newChoice("auto", "auto", "bar", "lines", "off")}
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a CSV export of accounts: map its columns, then load it",
		Long: `import reads a CSV export (Salesforce, HubSpot, Excel, Google Sheets: UTF-8,
UTF-16 or Windows-1252; comma, semicolon or tab) into a source of your org, or
of an offline partner with --partner. An existing source of the same name is
replaced as a whole; a failed import leaves it as it was.

First it shows the columns with sample values, the column it suggests for the
company name, website and record id, and the type each other column seems to
hold. Flags override the suggestion: --name, --website, --id, --other-name and
--other-website (both repeatable), --aliases, --registration-id with --scheme;
an empty value (--id "") drops a suggested column. On a terminal it asks before
importing, unless --yes.

--new-partner NAME creates an offline partner and imports into its data (a
failed import removes it again). --populations-from COLUMN then creates the
standard populations the org lacks from a stage column: Customers where it is
Customer(s), Prospects where Prospect(s), Open Opportunities where Open
Opportunity (or Opportunities, Opportunity); see them with 'acctmap population
list', change them with 'acctmap population delete' and 'population add'.

Long imports show a progress bar on a terminal (stderr) and a line every few
seconds otherwise. Then the summary: rows accepted, rows rejected with their
line and reason, warnings, and duplicates merged.`,
		Example: `  acctmap import ours.csv
  acctmap import partner.csv --source "Bolt CRM" --name Company --website Domain --yes
  acctmap import duns.csv --name "Legal Name" --registration-id DUNS --scheme duns
  acctmap import cobalt.csv --partner "Cobalt Consulting" --yes
  acctmap import bolt.csv --new-partner "Bolt Warehouse" --populations-from Status --yes`,
		Args: exactArgs(1, "FILE"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return a.runImport(ctx, cmd, args[0], o)
		}),
	}
	f := c.Flags()
	f.StringVar(&o.source, "source", "", "the source to import into (default: the file's name); created if new, replaced if it exists")
	f.StringVar(&o.partner, "partner", "", "import into this offline partner's data instead of your org's")
	f.StringVar(&o.newPartner, "new-partner", "", "create this offline partner and import into its data")
	f.StringVar(&o.populationsFrom, "populations-from", "", "then create the standard populations from this column: Customers where it is Customer, Prospects, Open Opportunities")
	f.StringVar(&o.name, "name", "", "column of the company name")
	f.StringVar(&o.website, "website", "", "column of the website (or an e-mail address, a URL)")
	f.StringVar(&o.id, "id", "", "column of the record id in your CRM (default: an id derived from the row's content)")
	f.StringVar(&o.aliases, "aliases", "", "column of further domains, separated by ; or spaces")
	f.StringArrayVar(&o.otherNames, "other-name", nil, "another company name column: legal name, DBA (repeatable)")
	f.StringArrayVar(&o.otherWebsites, "other-website", nil, "another website column (repeatable)")
	f.StringVar(&o.regID, "registration-id", "", "column of a company registration id, e.g. DUNS")
	f.StringVar(&o.scheme, "scheme", "", "the scheme of --registration-id, e.g. duns")
	f.BoolVarP(&o.yes, "yes", "y", false, "import without asking")
	f.BoolVar(&o.lenient, "lenient-quotes", false, `read a quote inside a field (12" pipe) as text, with a warning`)
	f.StringVar(&o.delimiter, "delimiter", "", `force the delimiter: ",", ";", "tab" or one character (default: detected)`)
	f.StringVar(&o.encoding, "encoding", "", "force the encoding: UTF-8, UTF-16LE, UTF-16BE, windows-1252 (default: detected)")
	f.IntVar(&o.show, "show", 20, fmt.Sprintf("list this many rejected rows and warnings (at most %d are kept)", csvsource.DefaultMaxRejections))
	f.Var(o.progress, "progress", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines, off")
	f.DurationVar(&o.progressInterval, "progress-interval", 2*time.Second, "time between progress lines")
	f.IntVar(&o.progressEvery, "progress-every", 10000, "rows between progress reports")
	_ = f.MarkHidden("progress-interval")
	_ = f.MarkHidden("progress-every")
	return c
}

func (a *app) runImport(ctx context.Context, cmd *cobra.Command, path string, o *importOpts) error {
	opts, err := csvOptions(cmd, o, filepath.Base(path))
	if err != nil {
		return err
	}
	if o.partner != "" && o.newPartner != "" {
		return usagef(cmd, "--partner and --new-partner exclude each other")
	}
	s, err := a.me(ctx)
	if err != nil {
		return err
	}
	orgID, orgName, err := s.dataOrg(ctx, o.partner)
	if err != nil {
		return err
	}
	if o.newPartner != "" {
		if p, err := s.resolvePartner(ctx, o.newPartner); err == nil {
			return failf("%s exists already: import into it with --partner %s", p.Name, shellArg(p))
		}
		orgName = o.newPartner
	}
	file, err := os.Open(path)
	if err != nil {
		return failf("cannot open %s: %v", path, errors.Unwrap(err))
	}
	defer file.Close()

	// The mapping step.
	sample, err := csvsource.PreviewContext(ctx, file, sampleRows, opts...)
	if err != nil {
		return err
	}
	m, err := mappingFrom(cmd, o, sample)
	if err != nil {
		return err
	}
	printMapping(a.stdout, path, sample, m)
	if err := checkMapping(file, path, m, sample, opts); err != nil {
		return err
	}
	if col := o.populationsFrom; col != "" {
		if _, mapped := roleOf(roles(m), col); mapped || !slices.ContainsFunc(sample.Header, func(h string) bool { return strings.EqualFold(h, col) }) {
			return failf("--populations-from %.40q: not a column of %s kept as a field (fields: %s)", col, path, quoteList(fieldColumns(sample, m)))
		}
	}

	name := firstNonEmpty(o.source, filepath.Base(path))
	sources, err := s.actor.DataSources(ctx, orgID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(sources, func(ds acctmap.DataSource) bool { return strings.EqualFold(ds.Name, name) || ds.ID == name })
	what := fmt.Sprintf("a new source %q of %s", name, orgName)
	if i >= 0 {
		what = fmt.Sprintf("source %q of %s, replacing its records", sources[i].Name, orgName)
	}
	if !o.yes && a.stdinTTY {
		fmt.Fprintf(a.stdout, "\nImport %s into %s? [y/N] ", path, what)
		answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return failf("import cancelled; nothing was changed")
		}
	}

	var ds acctmap.DataSource
	created, createdPartner := false, ""
	if o.newPartner != "" {
		org, err := s.actor.CreateOfflinePartner(ctx, o.newPartner)
		if err != nil {
			return err
		}
		orgID, orgName, createdPartner = org.ID, org.Name, org.ID
		fmt.Fprintf(a.stdout, "Added offline partner %s (id %s).\n", org.Name, org.ID)
		sources = nil
		i = -1
	}
	if i >= 0 {
		ds = sources[i]
	} else {
		if ds, err = s.actor.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: orgID, Name: name}); err != nil {
			if createdPartner != "" {
				_ = s.actor.DeleteOfflinePartner(context.WithoutCancel(ctx), createdPartner)
			}
			return err
		}
		created = true
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return failf("cannot read %s again: %v", path, err)
	}
	pr := newProgress(a.stderr, o.progress.value, filepath.Base(path), o.progressInterval, a.stderrTTY)
	sum, err := s.actor.ImportCSV(ctx, ds.ID, file, acctmap.CSVImport{
		Mapping: m, FileName: filepath.Base(path), Options: opts,
		Progress: pr.report, ProgressEvery: o.progressEvery,
	})
	pr.done()
	if err != nil {
		// An empty source, or partner, left behind by a failed first
		// import would be in the way of the next try.
		switch {
		case createdPartner != "":
			_ = s.actor.DeleteOfflinePartner(context.WithoutCancel(ctx), createdPartner)
		case created:
			_ = s.actor.DeleteDataSource(context.WithoutCancel(ctx), ds.ID)
		}
		printRejections(a.stdout, sum, o.show)
		return err
	}
	fmt.Fprintf(a.stdout, "\nImported %s into source %q of %s: %s read, %s accepted, %s rejected, %s duplicates merged, %s.\n",
		path, ds.Name, orgName, plural(int64(sum.Rows), "row", "rows"), count(int64(sum.Accepted)), count(int64(sum.Rejected)),
		count(int64(sum.DuplicatesMerged)), plural(int64(sum.Warned), "warning", "warnings"))
	printRejections(a.stdout, sum, o.show)
	partnerArg := o.partner
	if createdPartner != "" {
		partnerArg = orgName
	}
	if o.populationsFrom != "" {
		return a.standardPopulations(ctx, s, orgID, ds, o.populationsFrom)
	}
	if created {
		fmt.Fprintf(a.stdout, "Next: define populations, e.g. acctmap population add Customers%s%s\n",
			sourceFlag(len(sources) > 0, ds.Name, partnerArg), exampleWhere(sample, m))
	}
	return nil
}

// csvOptions turns the reading flags into csvsource options.
func csvOptions(cmd *cobra.Command, o *importOpts, name string) ([]csvsource.Option, error) {
	opts := []csvsource.Option{csvsource.WithName(name)}
	switch d := o.delimiter; {
	case d == "":
	case strings.EqualFold(d, "tab") || d == `\t`:
		opts = append(opts, csvsource.WithDelimiter('\t'))
	case utf8.RuneCountInString(d) == 1 && len(d) == 1 && !strings.ContainsAny(d, "\"\r\n "):
		opts = append(opts, csvsource.WithDelimiter(rune(d[0])))
	default:
		return nil, usagef(cmd, "invalid --delimiter %.10q: want one character such as , ; | or the word tab", d)
	}
	if o.encoding != "" {
		ok := false
		for _, e := range []string{csvsource.UTF8, csvsource.UTF16LE, csvsource.UTF16BE, csvsource.Windows1252} {
			ok = ok || strings.EqualFold(e, o.encoding)
		}
		if !ok {
			return nil, usagef(cmd, "invalid --encoding %.20q: want UTF-8, UTF-16LE, UTF-16BE or windows-1252", o.encoding)
		}
		opts = append(opts, csvsource.WithEncoding(o.encoding))
	}
	if o.lenient {
		opts = append(opts, csvsource.WithLenientQuotes())
	}
	return opts, nil
}

// mappingFrom starts from the suggested mapping and applies the flags: a
// column a flag names is taken away from the role the suggestion gave it.
func mappingFrom(cmd *cobra.Command, o *importOpts, sample *csvsource.Sample) (csvsource.Mapping, error) {
	m := sample.Suggested
	m.OtherNames = slices.Clone(m.OtherNames)
	m.OtherWebsites = slices.Clone(m.OtherWebsites)
	set := cmd.Flags().Changed
	single := []struct {
		flag string
		dst  *string
		val  string
	}{
		{"name", &m.Name, o.name}, {"website", &m.Website, o.website}, {"id", &m.ID, o.id},
		{"aliases", &m.Aliases, o.aliases}, {"registration-id", &m.RegistrationID, o.regID},
	}
	// The columns the flags name, to take away from the roles suggested.
	taken := map[string]bool{}
	for _, s := range single {
		if set(s.flag) {
			*s.dst = strings.TrimSpace(s.val)
			taken[strings.ToLower(*s.dst)] = *s.dst != ""
		}
	}
	if set("other-name") {
		m.OtherNames = nonEmpty(o.otherNames)
	}
	if set("other-website") {
		m.OtherWebsites = nonEmpty(o.otherWebsites)
	}
	for _, list := range [][]string{o.otherNames, o.otherWebsites} {
		for _, c := range nonEmpty(list) {
			taken[strings.ToLower(c)] = true
		}
	}
	if set("scheme") {
		m.RegistrationScheme = strings.TrimSpace(o.scheme)
	}
	for _, s := range single {
		if !set(s.flag) && taken[strings.ToLower(*s.dst)] {
			*s.dst = ""
		}
	}
	drop := func(list []string, flag string) []string {
		if set(flag) {
			return list
		}
		return slices.DeleteFunc(list, func(c string) bool { return taken[strings.ToLower(c)] })
	}
	m.OtherNames = drop(m.OtherNames, "other-name")
	m.OtherWebsites = drop(m.OtherWebsites, "other-website")
	if m.RegistrationID == "" && !set("scheme") {
		m.RegistrationScheme = ""
	}
	if m.RegistrationID != "" && m.RegistrationScheme == "" {
		return m, usagef(cmd, "--registration-id %q needs --scheme, e.g. --scheme duns", m.RegistrationID)
	}
	return m, nil
}

func nonEmpty(list []string) []string {
	var out []string
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// colRole is one mapped column and what the import does with it.
type colRole struct{ col, role string }

// roles lists the mapped columns, in the mapping's order.
func roles(m csvsource.Mapping) []colRole {
	var r []colRole
	put := func(col, role string) {
		if col = strings.TrimSpace(col); col != "" {
			r = append(r, colRole{col, role})
		}
	}
	put(m.Name, "company name")
	put(m.Website, "website")
	put(m.ID, "record id")
	put(m.Aliases, "more domains")
	if m.RegistrationID != "" {
		put(m.RegistrationID, "registration id ("+m.RegistrationScheme+")")
	}
	for _, c := range m.OtherNames {
		put(c, "other name")
	}
	for _, c := range m.OtherWebsites {
		put(c, "other website")
	}
	return r
}

// roleOf returns what the mapping does with a header column.
func roleOf(rs []colRole, header string) (string, bool) {
	for _, r := range rs {
		if strings.EqualFold(r.col, strings.TrimSpace(header)) {
			return r.role, true
		}
	}
	return "", false
}

// printMapping shows the mapping step: each column, sample values, its role
// and, for the columns kept as fields, the type its values seem to hold.
func printMapping(w io.Writer, path string, sample *csvsource.Sample, m csvsource.Mapping) {
	delim := string(sample.Delimiter)
	if sample.Delimiter == '\t' {
		delim = "tab"
	}
	fmt.Fprintf(w, "%s: %d columns, %s, delimiter %q; the first %d rows read for this preview.\n\n",
		path, len(sample.Header), sample.Encoding, delim, len(sample.Lines))
	r := roles(m)
	t := &table{header: []string{"COLUMN", "SAMPLE VALUES", "IMPORTED AS", "TYPE"}, maxCell: 48}
	for i, col := range sample.Header {
		var vals []string
		for _, v := range sample.Values[i] {
			if v != "" && len(vals) < 3 {
				vals = append(vals, cut(clean(v), 20))
			}
		}
		role, mapped := roleOf(r, col)
		typ := ""
		if !mapped {
			role = "field"
			typ = typeText(fieldtype.Suggest(sample.Values[i]))
		}
		t.add(col, strings.Join(vals, " | "), role, typ)
	}
	_ = t.write(w)
	fmt.Fprintln(w, "\nChange the mapping with --name, --website, --id, --other-name, --other-website, --aliases, --registration-id.")
}

// typeText says what a column's values look like.
func typeText(s fieldtype.Suggestion) string {
	if s.NonEmpty == 0 {
		return "empty"
	}
	if s.Ambiguous && len(s.Alternatives) > 0 {
		return fmt.Sprintf("%s or %s?", s.Type, s.Alternatives[0].Type)
	}
	return s.Type.String()
}

// checkMapping checks the mapping against the file before anything is
// written or asked, with messages that name the flag to use.
func checkMapping(file *os.File, path string, m csvsource.Mapping, sample *csvsource.Sample, opts []csvsource.Option) error {
	cols := quoteList(sample.Header)
	if m.Name == "" {
		return failf("no column of %s looks like the company name: choose one with --name COLUMN (columns: %s)", path, cols)
	}
	if m.Website == "" && m.RegistrationID == "" && len(m.OtherWebsites) == 0 {
		return failf("no column of %s looks like a website: choose one with --website COLUMN, or --registration-id COLUMN --scheme duns (columns: %s)", path, cols)
	}
	for _, r := range roles(m) {
		if !slices.ContainsFunc(sample.Header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), r.col) }) {
			return failf("%s has no column %.40q (for the %s); columns: %s", path, r.col, r.role, cols)
		}
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return failf("cannot read %s again: %v", path, err)
	}
	if _, err := csvsource.NewReader(file, m, opts...); err != nil {
		return err
	}
	return nil
}

// printRejections lists the first show rejected rows and warnings.
func printRejections(w io.Writer, sum acctmap.ImportSummary, show int) {
	list := func(title string, rs []acctmap.Rejection, total int) {
		if total == 0 {
			return
		}
		all := rs
		rs = rs[:max(0, min(len(rs), show))]
		fmt.Fprintf(w, "\n%s:\n", title)
		t := &table{maxCell: 120}
		for _, r := range rs {
			t.add(fmt.Sprintf("  line %d", r.Line), r.Reason)
		}
		_ = t.write(w)
		if more := total - len(rs); more > 0 {
			fmt.Fprintf(w, "  … and %s more (--show N lists more, up to the first %d)\n", count(int64(more)), len(all))
		}
	}
	list("Rejected rows (not imported)", sum.Rejections, sum.Rejected)
	list("Warnings (imported; worth fixing in the source system)", sum.Warnings, sum.Warned)
}

// standardValues are the values of a stage column that --populations-from
// reads as each standard population.
var standardValues = []struct {
	kind   acctmap.PopulationKind
	values []string
}{
	{acctmap.Customers, []string{"Customer", "Customers"}},
	{acctmap.Prospects, []string{"Prospect", "Prospects"}},
	{acctmap.OpenOpportunities, []string{"Open Opportunity", "Open Opportunities", "Opportunity"}},
}

// standardPopulations creates the standard populations an org lacks from
// a stage column, those that select records.
func (a *app) standardPopulations(ctx context.Context, s *session, orgID string, ds acctmap.DataSource, col string) error {
	pops, err := s.actor.Populations(ctx, orgID)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout)
	for _, sv := range standardValues {
		if slices.ContainsFunc(pops, func(p acctmap.Population) bool { return p.Kind == sv.kind }) {
			fmt.Fprintf(a.stdout, "Population %q exists already: kept as it is.\n", sv.kind.StandardName())
			continue
		}
		f := acctmap.Filter{All: []acctmap.Condition{{Field: col, Op: acctmap.In, Values: sv.values}}}
		pv, err := s.actor.PreviewPopulation(ctx, ds.ID, f, 0)
		if err != nil {
			return err
		}
		if pv.Count == 0 {
			continue
		}
		pop, err := s.actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: sv.kind, Filter: f})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Created population %q: %s (%s).\n", pop.Name, plural(int64(pv.Count), "record", "records"), filterText(pop.Filter))
	}
	return nil
}

// fieldColumns lists the columns the mapping keeps as fields.
func fieldColumns(sample *csvsource.Sample, m csvsource.Mapping) []string {
	var out []string
	r := roles(m)
	for _, h := range sample.Header {
		if _, mapped := roleOf(r, h); !mapped {
			out = append(out, h)
		}
	}
	return out
}

// sourceFlag is the --source (and --partner) a follow-up command needs.
func sourceFlag(needed bool, name, partnerName string) string {
	s := ""
	if needed {
		s = fmt.Sprintf(" --source %q", name)
	}
	if partnerName != "" {
		s += fmt.Sprintf(" --partner %q", partnerName)
	}
	return s
}

// exampleWhere proposes a filter from the file: a stage-like column and its
// first value, else the first field's; "" without fields.
func exampleWhere(sample *csvsource.Sample, m csvsource.Mapping) string {
	r := roles(m)
	first := ""
	for i, col := range sample.Header {
		if _, mapped := roleOf(r, col); mapped {
			continue
		}
		value := ""
		for _, v := range sample.Values[i] {
			if v != "" {
				value = v
				break
			}
		}
		if value == "" {
			continue
		}
		expr := " --where " + shellQuote(where.Format(acctmap.Condition{Field: col, Op: acctmap.Equals, Value: value}))
		l := strings.ToLower(col)
		if strings.Contains(l, "stage") || strings.Contains(l, "status") || strings.Contains(l, "type") || strings.Contains(l, "lifecycle") {
			return expr
		}
		if first == "" {
			first = expr
		}
	}
	return first
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
