package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// The generator below is ../shared/bench/gen/main.go (the data behind the
// issue's figures) ported as is: for a given row count and seed it writes
// the same bytes (TestGeneratorMatchesShared pins a digest of its output).

var (
	genTLDs     = []string{"com", "com", "com", "com", "io", "co.uk", "de", "fr", "com.au", "net", "org", "co.jp"}
	genStages   = []string{"Customer", "Customer", "Open Opportunity", "Prospect", "Prospect", "Prospect", "Churned"}
	genRegions  = []string{"NA", "NA", "EMEA", "APAC", "LATAM"}
	genSegments = []string{"SMB", "SMB", "Mid-Market", "Enterprise"}
	genSuffixes = []string{"", " Inc.", ", Inc", " LLC", " Ltd", " GmbH", " Corp.", " S.A.", " Co."}
)

// csvHeader is the first line of both generated files.
const csvHeader = "Record ID,Company Name,Website,Stage,Region,Segment,Employees,Owner"

func genWebsite(r *rand.Rand, base, tld string) string {
	host := base + "." + tld
	switch r.IntN(8) {
	case 0:
		return "https://www." + host + "/"
	case 1:
		return "http://" + host
	case 2:
		return "www." + host
	case 3:
		return "HTTPS://WWW." + host + "/about?ref=crm"
	case 4:
		return "https://app." + host + "/login"
	case 5:
		return "sales@" + host
	default:
		return host
	}
}

func genWrite(path string, r *rand.Rand, ids []int, prefix string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, csvHeader)
	for i, id := range ids {
		base := fmt.Sprintf("acme%07d", id)
		tld := genTLDs[id%len(genTLDs)]
		name := fmt.Sprintf("Acme %d Widgets%s", id, genSuffixes[r.IntN(len(genSuffixes))])
		fmt.Fprintf(w, "%s-%d,\"%s\",%s,%s,%s,%s,%d,owner%d@%s.example\n", prefix, i, name, genWebsite(r, base, tld),
			genStages[r.IntN(len(genStages))], genRegions[r.IntN(len(genRegions))], genSegments[r.IntN(len(genSegments))],
			1+r.IntN(50000), r.IntN(200), prefix)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// generate writes dir/ours.csv and dir/partner.csv: n accounts each, a
// fraction overlap of the partner's shared with ours.
func generate(dir string, n int, overlap float64, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ours := make([]int, n)
	for i := range ours {
		ours[i] = i
	}
	shared := int(float64(n) * overlap)
	theirs := make([]int, n)
	for i := range theirs {
		if i < shared {
			theirs[i] = i * (n / max(shared, 1)) // spread over ours
		} else {
			theirs[i] = n + i
		}
	}
	r.Shuffle(len(ours), func(i, j int) { ours[i], ours[j] = ours[j], ours[i] })
	r.Shuffle(len(theirs), func(i, j int) { theirs[i], theirs[j] = theirs[j], theirs[i] })
	if err := genWrite(filepath.Join(dir, "ours.csv"), r, ours, "O"); err != nil {
		return err
	}
	return genWrite(filepath.Join(dir, "partner.csv"), r, theirs, "P")
}
