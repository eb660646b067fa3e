package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/internal/match"
	"github.com/acctmap/acctmap/normalize"
)

// runMatrix builds the first org's index and its partners', computes the
// matrices, and compares them with the naive baseline.
func runMatrix(c *config, t *table) {
	norm := normalize.New()
	n, pops := c.accounts, c.populations
	var xr []match.Record
	var ys [][]match.Record
	m := measure(func() {
		xr = normalizeAll(norm, genOrg(c.seed, 0, n, pops, c.overlap))
		for k := 1; k <= c.partners; k++ {
			ys = append(ys, normalizeAll(norm, genOrg(c.seed, k, n, pops, c.overlap)))
		}
	})
	t.row("generate+normalize", size(n*(1+c.partners)), m, n*(1+c.partners), -1, "normalize package, both cores")

	d := match.NewDict()
	var x *match.Index
	// The first build fills the Dict (cold); later ones find the keys of
	// the shared companies in it.
	m = measure(func() { x = match.Build(d, xr) })
	t.row("build (cold dict)", size(n), m, n, bytesPerAccount(x), fmt.Sprintf("dict %.1f B/key, %d keys", float64(d.Bytes())/float64(d.Len()), d.Len()))
	yx := make([]*match.Index, len(ys))
	for k := range ys {
		m = measure(func() { yx[k] = match.Build(d, ys[k]) })
		if k == 0 {
			t.row("build (partner)", size(n), m, n, bytesPerAccount(yx[k]), fmt.Sprintf("dict now %d MiB", d.Bytes()>>20))
		}
	}
	m = best(3, func() { x = match.Build(d, xr) })
	t.row("build (warm dict)", size(n), m, n, bytesPerAccount(x), "re-upload: every key already interned")

	var mats []match.Matrix
	m = best(7, func() {
		mats = mats[:0]
		for _, y := range yx {
			mats = append(mats, match.Overlap(x, y, match.Options{}))
		}
	})
	t.row("matrix", fmt.Sprintf("%s×%s %d×%d", size(n), size(n), pops, pops), m, 2*n*len(yx), -1,
		fmt.Sprintf("%d partner(s), %d matched accounts with the first", len(yx), mats[0].Total))

	// Naive baseline: a map of lower-cased hosts per population, and for
	// each population pair the number of common hosts.
	var naive [][]int64
	mn := measure(func() { naive = naiveCounts(xr, ys[0], pops) })
	mo := best(3, func() { match.Overlap(x, yx[0], match.Options{}) })
	mb := measure(func() {
		d2 := match.NewDict()
		match.Overlap(match.Build(d2, xr), match.Build(d2, ys[0]), match.Options{})
	})
	same := true
	for i := 0; i < pops; i++ {
		for j := 0; j < pops; j++ {
			if naive[i][j] != mats[0].At(i, j) {
				same = false
				log.Printf("MISMATCH cell (%d,%d): engine %d, naive %d", i, j, mats[0].At(i, j), naive[i][j])
			}
		}
	}
	verdict := "IDENTICAL counts"
	if !same {
		verdict = "COUNTS DIFFER"
	}
	t.row("naive baseline", fmt.Sprintf("%s×%s %d×%d", size(n), size(n), pops, pops), mn, 2*n, -1,
		fmt.Sprintf("%s; engine build×2+matrix %.1f× faster, matrix alone %.0f× faster", verdict,
			mn.wall.Seconds()/mb.wall.Seconds(), mn.wall.Seconds()/mo.wall.Seconds()))
}

func naiveCounts(x, y []match.Record, pops int) [][]int64 {
	sets := func(rs []match.Record) []map[string]struct{} {
		s := make([]map[string]struct{}, pops)
		for i := range s {
			s[i] = map[string]struct{}{}
		}
		for _, r := range rs {
			if len(r.Domains) == 0 {
				continue
			}
			h := strings.ToLower(r.Domains[0])
			for i := 0; i < pops; i++ {
				if r.Mask&(1<<i) != 0 {
					s[i][h] = struct{}{}
				}
			}
		}
		return s
	}
	xs, ys := sets(x), sets(y)
	out := make([][]int64, pops)
	for i := range out {
		out[i] = make([]int64, pops)
		for j := range out[i] {
			a, b := xs[i], ys[j]
			if len(a) > len(b) {
				a, b = b, a
			}
			for h := range a {
				if _, ok := b[h]; ok {
					out[i][j]++
				}
			}
		}
	}
	return out
}

// runE2E writes two CSV exports and times reading them (csvsource +
// normalize, one file per core), building both indexes and the matrix.
func runE2E(c *config, t *table) {
	n, pops := c.accounts, c.populations
	dir, err := os.MkdirTemp("", "acctmap-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := []string{filepath.Join(dir, "mine.csv"), filepath.Join(dir, "partner.csv")}
	for k, f := range files {
		if err := writeCSV(f, genOrg(c.seed, k, n, pops, c.overlap)); err != nil {
			log.Fatal(err)
		}
	}
	var read, build, overlap time.Duration
	var mat match.Matrix
	var m meas
	for run := 0; run < 2; run++ { // keep the faster run, with its phases
		var r, b, o time.Duration
		mr := measure(func() {
			t0 := time.Now()
			recs := make([][]match.Record, 2)
			var wg sync.WaitGroup
			for k, f := range files {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if recs[k], err = readCSV(f); err != nil {
						log.Fatal(err)
					}
				}()
			}
			wg.Wait()
			t1 := time.Now()
			d := match.NewDict()
			x := match.Build(d, recs[0])
			y := match.Build(d, recs[1])
			t2 := time.Now()
			mat = match.Overlap(x, y, match.Options{})
			r, b, o = t1.Sub(t0), t2.Sub(t1), time.Since(t2)
		})
		if run == 0 || mr.wall < m.wall {
			m, read, build, overlap = mr, r, b, o
		}
	}
	st, _ := os.Stat(files[0])
	t.row("e2e: 2 CSVs → matrix", fmt.Sprintf("2×%s rows", size(n)), m, 2*n, -1,
		fmt.Sprintf("read+normalize %s, build %s, matrix %s; %d matched; %d MiB per file", dur(read), dur(build), dur(overlap), mat.Total, st.Size()>>20))
}

func writeCSV(name string, rs []raw) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"Account ID", "Account Name", "Website", "DUNS", "Populations"})
	for _, r := range rs {
		w.Write([]string{r.id, r.name, r.website, r.duns, strconv.FormatUint(r.mask, 10)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func readCSV(name string) ([]match.Record, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := csvsource.NewReader(bufio.NewReaderSize(f, 1<<20), csvsource.Mapping{
		Name: "Account Name", Website: "Website", ID: "Account ID",
		RegistrationID: "DUNS", RegistrationScheme: "duns",
	}, csvsource.WithName(filepath.Base(name)))
	if err != nil {
		return nil, err
	}
	// One record per line at most: size the slice once rather than
	// doubling it (copying and allocating twice the records, whose
	// allocation drives the collector over everything read so far).
	lines, err := countLines(name)
	if err != nil {
		return nil, err
	}
	out := make([]match.Record, 0, lines)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		mr := match.Record{ID: rec.ID, Domains: rec.Domains, NameKey: rec.NameKey}
		if rec.RegistrationID != "" {
			mr.RegID = "duns:" + rec.RegistrationID
		}
		if len(rec.Fields) > 0 {
			mr.Mask, _ = strconv.ParseUint(rec.Fields[0], 10, 64)
		}
		out = append(out, mr)
	}
}

// bigPair returns (generating once) two orgs of c.bigAccounts canonical
// records overlapping by c.overlap, with skewed populations.
func (c *config) bigPair() ([]match.Record, []match.Record) {
	if c.bigX == nil {
		n := c.bigAccounts
		gen := func(k int) []match.Record {
			recs := canonicalOrg(c.seed, k, n, n, c.overlap, 0)
			r := rand.New(rand.NewPCG(c.seed, uint64(100+k)))
			for i := range recs {
				recs[i].Mask = popMask(r, c.populations)
			}
			return recs
		}
		c.bigX, c.bigY = gen(0), gen(1)
	}
	return c.bigX, c.bigY
}

// runBig: two orgs of c.bigAccounts accounts, built and matched.
func runBig(c *config, t *table) {
	xr, yr := c.bigPair()
	n := c.bigAccounts
	d := match.NewDict()
	var x, y *match.Index
	m := measure(func() { x = match.Build(d, xr) })
	t.row("big: build", size(n), m, n, bytesPerAccount(x), fmt.Sprintf("dict %d MiB for %d keys", d.Bytes()>>20, d.Len()))
	m = measure(func() { y = match.Build(d, yr) })
	t.row("big: build partner", size(n), m, n, bytesPerAccount(y), "")
	var mat match.Matrix
	m = best(3, func() { mat = match.Overlap(x, y, match.Options{}) })
	t.row("big: matrix", fmt.Sprintf("%s×%s %d×%d", size(n), size(n), c.populations, c.populations), m, 2*n, -1,
		fmt.Sprintf("%d matched; process peak RSS %s", mat.Total, mib(peakRSS())))
}

// runIncremental: c.changes changed records in a c.bigAccounts index,
// brought into the matrix by Apply + UpdateOverlap, against a full
// rebuild of the index and the matrix.
func runIncremental(c *config, t *table) {
	xr, yr := c.bigPair()
	n := c.bigAccounts
	d := match.NewDict()
	x, y := match.Build(d, xr), match.Build(d, yr)
	opts := match.Options{}
	mat := match.Overlap(x, y, opts)

	// The changes: 40% updates (another company's domain, new
	// populations), 30% inserts (some of the partner's companies), 30%
	// deletes.
	r := rand.New(rand.NewPCG(c.seed, 77))
	var ups []match.Record
	var dels, changed []string
	for i := 0; i < c.changes; i++ {
		switch k := r.IntN(10); {
		case k < 4:
			rec := xr[r.IntN(n)]
			rec.Domains = []string{yr[r.IntN(n)].Domains[0]}
			rec.Mask = popMask(r, c.populations)
			ups = append(ups, rec)
			changed = append(changed, rec.ID)
		case k < 7:
			rec := yr[r.IntN(n)]
			rec.ID = fmt.Sprintf("new%d", i)
			ups = append(ups, rec)
			changed = append(changed, rec.ID)
		default:
			id := xr[r.IntN(n)].ID
			dels = append(dels, id)
			changed = append(changed, id)
		}
	}
	// One id changed twice would make the batch ambiguous: keep the
	// first change of each id.
	seen := map[string]bool{}
	var u2 []match.Record
	var d2 []string
	for _, rec := range ups {
		if !seen[rec.ID] {
			seen[rec.ID] = true
			u2 = append(u2, rec)
		}
	}
	for _, id := range dels {
		if !seen[id] {
			seen[id] = true
			d2 = append(d2, id)
		}
	}
	ups, dels = u2, d2

	var full match.Matrix
	mFull := measure(func() {
		all := applyToSlice(xr, ups, dels)
		full = match.Overlap(match.Build(d, all), y, opts)
	})
	t.row("incremental: full rebuild", size(n), mFull, n, -1, "apply to the records, Build, Overlap")

	// The record id table is built on the first Apply to a base (O(N),
	// once): measured separately.
	m := measure(func() { x.Apply(nil, []string{"no-such-id"}) })
	t.row("incremental: first Apply", size(n), m, -1, -1, "builds the base's record id table, once per base")

	var nx *match.Index
	var upd match.Matrix
	m = best(3, func() {
		nx = x.Apply(ups, dels)
		upd = match.UpdateOverlap(mat, x, nx, y, opts, changed)
	})
	verdict := "matrix IDENTICAL to full rebuild"
	if !upd.Equal(full) {
		verdict = "MATRIX DIFFERS from full rebuild"
		log.Print(verdict)
	}
	t.row(fmt.Sprintf("incremental: %d changes", len(changed)), size(n), m, -1, -1,
		fmt.Sprintf("Apply+UpdateOverlap = %.2f%% of full rebuild; %s", 100*m.wall.Seconds()/mFull.wall.Seconds(), verdict))
}

// applyToSlice returns recs with upserts and deletes applied, as a CRM
// re-export would hold them.
func applyToSlice(recs []match.Record, ups []match.Record, dels []string) []match.Record {
	byID := make(map[string]int, len(ups)+len(dels))
	for i, r := range ups {
		byID[r.ID] = i
	}
	del := make(map[string]bool, len(dels))
	for _, id := range dels {
		del[id] = true
	}
	out := make([]match.Record, 0, len(recs)+len(ups))
	for _, r := range recs {
		if del[r.ID] {
			continue
		}
		if i, ok := byID[r.ID]; ok {
			r = ups[i]
			delete(byID, r.ID)
		}
		out = append(out, r)
	}
	for _, r := range ups {
		if _, ok := byID[r.ID]; ok {
			out = append(out, r)
		}
	}
	return out
}

// canonicalOrg makes n records with already-normalized domains (no
// names): the screen's 100M partner records would take minutes to
// normalize, and names play no part in it. A fraction overlap of them are
// companies of x's universe [0, universe), the others the org's own; org
// 0 is the universe.
func canonicalOrg(seed uint64, k, n, universe int, overlap float64, mask uint64) []match.Record {
	r := rand.New(rand.NewPCG(seed, uint64(k)))
	out := make([]match.Record, n)
	for i := range out {
		co := universe + k*n + i
		switch {
		case k == 0:
			co = i // the first org: the universe itself
		case r.Float64() < overlap:
			co = r.IntN(universe)
		}
		_, host := company(co)
		out[i] = match.Record{ID: strconv.Itoa(i), Domains: []string{host}, Mask: mask}
	}
	return out
}

// runScreen: one population of c.accounts against c.screenPartners
// partners of c.screenSize accounts: the exact screen, the Bloom screen,
// and the ecosystem's exact matrices in one pass vs one Overlap per
// partner.
func runScreen(c *config, t *table) {
	d := match.NewDict()
	n := c.accounts
	x := match.Build(d, canonicalOrg(c.seed, 0, n, n, 1, 1))
	partners := make([]*match.Index, c.screenPartners)
	m := measure(func() {
		for k := range partners {
			// Partners overlap x by 0-2× the -overlap fraction, and 5% not
			// at all: the screen has something to find.
			ov := c.overlap * float64(k%5) / 2
			if k%20 == 0 {
				ov = 0
			}
			partners[k] = match.Build(d, canonicalOrg(c.seed, k+1, c.screenSize, n, ov, 1))
		}
	})
	total := c.screenPartners * c.screenSize
	t.row("screen: build partners", fmt.Sprintf("%d×%s", c.screenPartners, size(c.screenSize)), m, total, bytesPerAccount(partners[0]),
		fmt.Sprintf("dict %d MiB, %d keys", d.Bytes()>>20, d.Len()))
	sz := fmt.Sprintf("%s vs %d×%s", size(n), c.screenPartners, size(c.screenSize))
	var exact, bl []int
	m = best(3, func() { exact = match.Screen(x, 0, partners, match.ScreenOptions{}) })
	none := 0
	for _, v := range exact {
		if v == 0 {
			none++
		}
	}
	t.row("screen, exact bitmap", sz, m, total, -1, fmt.Sprintf("%d partners without overlap", none))
	for _, fp := range []float64{0.01, 0.001} {
		m = best(2, func() { bl = match.Screen(x, 0, partners, match.ScreenOptions{Bloom: true, BloomFP: fp}) })
		extra, noneB := 0, 0
		for k, v := range bl {
			extra += v - exact[k]
			if v == 0 {
				noneB++
			}
		}
		t.row(fmt.Sprintf("screen, Bloom fp=%g", fp), sz, m, total, -1,
			fmt.Sprintf("%d partners without overlap; %d false hits in all", noneB, extra))
	}
	var eco []match.Matrix
	m = best(2, func() { eco = match.Ecosystem(x, partners, match.Options{}) })
	t.row("ecosystem (one pass)", sz, m, total, -1, "exact matrices for every partner")
	m = measure(func() {
		for k, p := range partners {
			if mt := match.Overlap(x, p, match.Options{}); !mt.Equal(eco[k]) {
				log.Fatalf("ecosystem differs from Overlap for partner %d", k)
			}
		}
	})
	t.row("ecosystem as 1 Overlap/partner", sz, m, total, -1, "same matrices (checked)")
}

// countLines counts the line feeds of a file (an upper bound of its rows),
// reading it in 1 MiB blocks: a few milliseconds from the page cache.
func countLines(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n + 1, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
