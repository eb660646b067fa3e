package normalize

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// realDataDir finds the public YC company lists (see their SOURCES.md):
// $ACCTMAP_REALDATA, or testdata/real at the repository root.
func realDataDir(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{os.Getenv("ACCTMAP_REALDATA"), filepath.Join("..", "testdata", "real")} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "yc_companies.csv")); err == nil {
			return dir
		}
	}
	t.Skip("real data not found: set ACCTMAP_REALDATA to the directory of yc_companies.csv")
	return ""
}

// readColumns returns the named columns of a CSV file, row by row.
func readColumns(t *testing.T, path string, cols ...string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, h := range recs[0] {
			if h == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			t.Fatalf("%s: no column %q", path, c)
		}
	}
	out := make([][]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		row := make([]string, len(cols))
		for i, j := range idx {
			row[i] = r[j]
		}
		out = append(out, row)
	}
	return out
}

// TestRealData runs both YC lists through Domain and CompanyName: every
// value must normalize idempotently, errors must be the expected kinds, and
// the two lists must meet on roughly as many domains as their sources say
// (about 430 of SeedDB's 688 companies).
func TestRealData(t *testing.T) {
	t.Parallel()
	dir := realDataDir(t)
	yc := readColumns(t, filepath.Join(dir, "yc_companies.csv"), "name", "website")
	seed := readColumns(t, filepath.Join(dir, "yc_startups_seeddb_2014.csv"), "Company", "Website")

	ycDomains := map[string]bool{}
	ycNames := map[string]bool{}
	counts := map[error]int{}
	check := func(row []string, domains, names map[string]bool) (string, string) {
		name := CompanyName(row[0])
		if CompanyName(name) != name {
			t.Errorf("CompanyName not idempotent on %q", row[0])
		}
		if names != nil {
			names[name] = true
		}
		k, err := Domain(row[1])
		switch {
		case err == nil:
			if k2, err2 := Domain(k); err2 != nil || k2 != k {
				t.Errorf("Domain not idempotent on %q: %q then %q, %v", row[1], k, k2, err2)
			}
			if domains != nil {
				domains[k] = true
			}
		case errors.Is(err, ErrNoDomain), errors.Is(err, ErrPlatformPage), errors.Is(err, ErrGenericDomain):
			for _, s := range []error{ErrNoDomain, ErrPlatformPage, ErrGenericDomain} {
				if errors.Is(err, s) {
					counts[s]++
				}
			}
		default:
			t.Errorf("Domain(%q): unexpected error %v", row[1], err)
		}
		return k, name
	}
	for _, row := range yc {
		check(row, ycDomains, ycNames)
	}
	sharedDomain, sharedName := 0, 0
	for _, row := range seed {
		k, name := check(row, nil, nil)
		if k != "" && ycDomains[k] {
			sharedDomain++
		}
		if ycNames[name] {
			sharedName++
		}
	}
	t.Logf("YC %d rows, %d distinct domains; SeedDB %d rows: %d share a domain, %d a name; errors: no domain %d, platform page %d, generic %d",
		len(yc), len(ycDomains), len(seed), sharedDomain, sharedName,
		counts[ErrNoDomain], counts[ErrPlatformPage], counts[ErrGenericDomain])
	if sharedDomain < 400 {
		t.Errorf("only %d SeedDB companies share a domain with the YC directory; want about 430", sharedDomain)
	}
	if counts[ErrPlatformPage] < 13 {
		t.Errorf("only %d platform pages found in the website columns; they hold 13", counts[ErrPlatformPage])
	}

	// SeedDB's profile columns hold only directory pages (Crunchbase,
	// AngelList, Seed-DB): none may become a company key.
	profiles := readColumns(t, filepath.Join(dir, "yc_startups_seeddb_2014.csv"),
		"Crunchbase / Angel List Profile", "Seed-DB / Mattermark Profile")
	n := 0
	for _, row := range profiles {
		for _, v := range row {
			if v == "" {
				continue
			}
			n++
			if k, err := Domain(v); !errors.Is(err, ErrPlatformPage) {
				t.Errorf("Domain(%q) = %q, %v; want ErrPlatformPage", v, k, err)
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d profile URLs checked", n)
	}
}
