package csvsource

import (
	"context"
	"io"

	"github.com/acctmap/acctmap/fieldtype"
)

// Sample is the start of a CSV input, for an application's "map columns"
// step.
type Sample struct {
	Header []string // column names, trimmed, in file order
	// Values holds, for each column of Header, its values (trimmed) in the
	// first rows read, blank rows skipped: Values[i][j] is column i of row j.
	Values    [][]string
	Lines     []int // the line where each of those rows starts
	Delimiter rune
	Encoding  string
	// Suggested guesses a Mapping from common header names (of Salesforce,
	// HubSpot and generic exports): a starting point to show, not to trust.
	// Its fields are "" (or nil) where no column looks right; it may lack
	// a required column, and then fails in NewReader.
	Suggested Mapping
}

// Types suggests a type for each column of Header from its sampled
// Values (fieldtype.Suggest): number, money, date or boolean, and in which
// locale, or Text. A starting point for the "map columns" step, which the
// user confirms or overrides before the import declares them
// (acctmap.CSVImport.FieldTypes); an Ambiguous suggestion (01/02/2024
// alone) must be chosen by the user. The more rows sampled, the better
// the suggestions.
func (s *Sample) Types() []fieldtype.Suggestion {
	out := make([]fieldtype.Suggestion, len(s.Header))
	for i := range s.Header {
		if i < len(s.Values) {
			out[i] = fieldtype.Suggest(s.Values[i])
		}
	}
	return out
}

// Preview is PreviewContext with context.Background().
func Preview(r io.Reader, samples int, opts ...Option) (*Sample, error) {
	return PreviewContext(context.Background(), r, samples, opts...)
}

// PreviewContext reads the header and up to samples rows of r. Its errors
// are those of NewReaderContext (except mapping errors) and, for those rows,
// those of Reader.NextContext: it checks ctx as that does, since blank rows
// before the first sample may be many.
func PreviewContext(ctx context.Context, r io.Reader, samples int, opts ...Option) (*Sample, error) {
	src, err := open(ctx, r, newConfig(opts))
	if err != nil {
		return nil, err
	}
	s := &Sample{
		Header:    src.header,
		Values:    make([][]string, len(src.header)),
		Delimiter: src.delim,
		Encoding:  src.enc,
		Suggested: suggest(src.header),
	}
	for range max(samples, 0) {
		row, line, err := src.readRow(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for i, v := range row {
			s.Values[i] = append(s.Values[i], v)
		}
		s.Lines = append(s.Lines, line)
	}
	return s, nil
}

// Header names that exports commonly use, best first, compared by foldKey.
var suggestions = []struct {
	dst   func(*Mapping) *string
	names []string
}{
	{func(m *Mapping) *string { return &m.Name }, []string{
		"account name", "company name", "company", "organization name", "organisation name",
		"organization", "organisation", "account", "name"}},
	{func(m *Mapping) *string { return &m.Website }, []string{
		"website", "company domain name", "website url", "web site", "domain", "company website",
		"url", "homepage", "web"}},
	{func(m *Mapping) *string { return &m.ID }, []string{
		"account id", "record id", "company id", "id"}},
	{func(m *Mapping) *string { return &m.Aliases }, []string{
		"domains", "additional domains", "other domains", "alias domains", "aliases"}},
	{func(m *Mapping) *string { return &m.RegistrationID }, []string{
		"duns", "duns number", "d-u-n-s number", "d-u-n-s"}},
}

// Header names of further name and website columns (Mapping.OtherNames,
// OtherWebsites), suggested in header order.
var (
	otherNameHeaders = []string{
		"legal name", "legal entity name", "registered name", "company legal name", "account legal name",
		"dba", "d/b/a", "doing business as", "trading name", "trade name", "trading as",
		"short name", "brand name", "brand", "also known as", "aka"}
	otherWebsiteHeaders = []string{
		"investor relations website", "investor relations url", "investor relations site",
		"ir website", "ir site", "ir url", "regional website", "regional site", "local website",
		"secondary website", "second website", "other website", "alternate website", "alternative website",
		"website 2", "corporate website"}
)

func suggest(header []string) Mapping {
	index := make(map[string]string, len(header))
	for _, h := range header {
		index[foldKey(h)] = h
	}
	var m Mapping
	used := map[string]bool{}
	for _, s := range suggestions {
		for _, name := range s.names {
			if h, ok := index[foldKey(name)]; ok && !used[h] {
				*s.dst(&m) = h
				used[h] = true
				break
			}
		}
	}
	if m.RegistrationID != "" {
		m.RegistrationScheme = "duns"
	}
	for _, list := range []struct {
		names []string
		dst   *[]string
	}{{otherNameHeaders, &m.OtherNames}, {otherWebsiteHeaders, &m.OtherWebsites}} {
		known := make(map[string]bool, len(list.names))
		for _, n := range list.names {
			known[foldKey(n)] = true
		}
		for _, h := range header {
			if known[foldKey(h)] && !used[h] {
				*list.dst = append(*list.dst, h)
				used[h] = true
			}
		}
	}
	return m
}
