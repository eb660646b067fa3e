package match

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func rec(id string, mask uint64, name string, doms ...string) Record {
	return Record{ID: id, Domains: doms, NameKey: name, Mask: mask}
}

func withReg(r Record, reg string) Record { r.RegID = reg; return r }

// brief renders matches as "x1,x2|y1|kind|key|conf".
func brief(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%d", strings.Join(m.X, ","), strings.Join(m.Y, ","), m.Kind, m.Key, m.Confidence))
	}
	return out
}

func TestSemantics(t *testing.T) {
	tests := []struct {
		name  string
		x, y  []Record
		opts  Options
		want  []string // Matches(all, all)
		cells map[[2]int]int64
	}{
		{
			name:  "shared domain",
			x:     []Record{rec("x1", 1, "acme", "acme.com"), rec("x2", 1, "zeta", "zeta.io")},
			y:     []Record{rec("y1", 2, "acme", "acme.com"), rec("y2", 1, "beta", "beta.com")},
			want:  []string{"x1|y1|domain|acme.com|90"},
			cells: map[[2]int]int64{{0, 1}: 1},
		},
		{
			name:  "umlauts stripped on one side, spelled out on the other",
			x:     []Record{rec("x1", 1, "backerei munchen", "baeckerei-muenchen.de")},
			y:     []Record{rec("y1", 1, "baeckerei muenchen", "baeckerei-muenchen.de")},
			want:  []string{"x1|y1|domain|baeckerei-muenchen.de|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name:  "several domains per record, alias matches",
			x:     []Record{rec("x1", 1, "acme", "acme.com", "acme.de")},
			y:     []Record{rec("y1", 1, "acme gmbh", "acme.de"), rec("y2", 1, "acme", "acme.com")},
			want:  []string{"x1|y1,y2|domain|acme.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name: "duplicates within a source count once",
			x: []Record{rec("x1", 1, "acme", "acme.com"), rec("x2", 2, "acme inc", "acme.com", "acme.org"),
				rec("x3", 4, "", "acme.org")},
			y:     []Record{rec("y1", 1, "acme", "acme.com")},
			want:  []string{"x1,x2,x3|y1|domain|acme.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1, {1, 0}: 1, {2, 0}: 1},
		},
		{
			name: "transitive component across sources counts once",
			// x1 - y1 - x2 - y2: four different accounts, one chain.
			x:     []Record{rec("x1", 1, "acme", "a.com"), rec("x2", 2, "acme labs", "b.com", "c.com")},
			y:     []Record{rec("y1", 1, "acme", "a.com", "b.com"), rec("y2", 2, "acme labs", "c.com")},
			want:  []string{"x1,x2|y1,y2|domain|a.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1, {0, 1}: 1, {1, 0}: 1, {1, 1}: 1},
		},
		{
			name: "records linked within a source form one account",
			// y1 and y2 share b.com under agreeing names: one account,
			// matched by two X accounts.
			x:     []Record{rec("x1", 1, "acme", "a.com"), rec("x2", 2, "acme holdings", "b.com")},
			y:     []Record{rec("y1", 1, "acme", "a.com", "b.com"), rec("y2", 2, "acme group", "b.com")},
			want:  []string{"x1,x2|y1,y2|domain|a.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1, {0, 1}: 1, {1, 0}: 1, {1, 1}: 1},
		},
		{
			name: "an umbrella domain keeps differently named records apart",
			// acme.com hosts the sponsor and two of its funds in Y: the
			// domain is no identity there, and the record whose name
			// agrees wins.
			x: []Record{rec("x1", 1, "acme", "acme.com")},
			y: []Record{rec("y1", 1, "acme", "acme.com"), rec("y2", 1, "acme municipal income trust", "acme.com"),
				rec("y3", 1, "acme global equity fund", "acme.com")},
			want:  []string{"x1|y1|domain|acme.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name: "on an umbrella domain, a fund matches the fund",
			x:    []Record{rec("x1", 1, "acme global equity fund", "acme.com")},
			y: []Record{rec("y1", 1, "acme", "acme.com"), rec("y2", 1, "acme municipal income trust", "acme.com"),
				rec("y3", 1, "acme global equity fund", "acme.com")},
			want:  []string{"x1|y3|domain|acme.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name:  "a fund alone on its sponsor's domain is another entity",
			x:     []Record{rec("x1", 1, "acme", "acme.com")},
			y:     []Record{rec("y1", 1, "acme municipal income trust", "acme.com")},
			want:  nil,
			cells: map[[2]int]int64{},
		},
		{
			name:  "a fund alone on its sponsor's domain, at a low threshold",
			x:     []Record{rec("x1", 1, "acme", "acme.com")},
			y:     []Record{rec("y1", 1, "acme municipal income trust", "acme.com")},
			opts:  Options{MinConfidence: ConfDomainOtherEntity},
			want:  []string{"x1|y1|domain|acme.com|40"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name:  "share classes are the company",
			x:     []Record{rec("x1", 1, "berkshire hathaway", "berkshirehathaway.com")},
			y:     []Record{rec("y1", 1, "berkshire hathaway class b", "berkshirehathaway.com"), rec("y2", 1, "berkshire hathaway class a", "berkshirehathaway.com")},
			want:  []string{"x1|y1,y2|domain|berkshirehathaway.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name:  "registration id matches without a domain",
			x:     []Record{withReg(rec("x1", 1, "acme", "acme.com"), "duns:001234567")},
			y:     []Record{withReg(rec("y1", 1, "acme corporation"), "duns:001234567")},
			want:  []string{"x1|y1|registration_id|duns:001234567|100"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name: "registration id veto despite shared domain",
			x:    []Record{withReg(rec("x1", 1, "acme fund", "acme.com"), "duns:111111111")},
			y:    []Record{withReg(rec("y1", 1, "acme fund", "acme.com"), "duns:222222222")},
			want: nil,
		},
		{
			name:  "registration ids of different schemes do not veto",
			x:     []Record{withReg(rec("x1", 1, "acme", "acme.com"), "duns:111111111")},
			y:     []Record{withReg(rec("y1", 1, "acme", "acme.com"), "vat:FR123")},
			want:  []string{"x1|y1|domain|acme.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name: "name only is off by default",
			x:    []Record{rec("x1", 1, "delta")},
			y:    []Record{rec("y1", 1, "delta", "delta.com")},
			want: nil,
		},
		{
			name:  "name only when on, across domains",
			x:     []Record{rec("x1", 1, "delta"), rec("x2", 1, "gamma", "gamma.com")},
			y:     []Record{rec("y1", 1, "delta", "delta.com"), rec("y2", 1, "gamma", "gamma.io")},
			opts:  Options{NameMatching: true, MinConfidence: ConfNameOnly},
			want:  []string{"x1|y1|name|delta|30", "x2|y2|name|gamma|30"},
			cells: map[[2]int]int64{{0, 0}: 2},
		},
		{
			name:  "distinctive names match across domains at the default threshold",
			x:     []Record{rec("x1", 1, "zetaworks analytics", "zetaworks-ir.com"), rec("x2", 1, "delta", "delta.com")},
			y:     []Record{rec("y1", 1, "zetaworks analytics", "zetaworks.com"), rec("y2", 1, "delta", "deltafaucet.com")},
			opts:  Options{NameMatching: true},
			want:  []string{"x1|y1|name|zetaworks analytics|60"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name: "name only below the default threshold",
			x:    []Record{rec("x1", 1, "delta")},
			y:    []Record{rec("y1", 1, "delta")},
			opts: Options{NameMatching: true},
			want: nil,
		},
		{
			name: "confidence levels with real names",
			x: []Record{
				rec("x1", 1, "curebit", "talkable.com"),
				rec("x2", 1, "dr chrono", "drchrono.com"),
				rec("x3", 1, "crohnology by healthy labs", "crohnology.com"),
				rec("x4", 1, "", "airbnb.com"),
				rec("x5", 1, "sequoia capital", "sequoiacap.com"),
			},
			y: []Record{
				rec("y1", 1, "talkable", "talkable.com"),
				rec("y2", 1, "drchrono", "drchrono.com"),
				rec("y3", 1, "crohnology", "crohnology.com"),
				rec("y4", 1, "airbnb", "airbnb.com"),
				rec("y5", 1, "sequoia capital global equities", "sequoiacap.com"),
			},
			want: []string{
				"x1|y1|domain|talkable.com|50",
				"x2|y2|domain|drchrono.com|90",
				"x3|y3|domain|crohnology.com|70",
				"x4|y4|domain|airbnb.com|70",
				"x5|y5|domain|sequoiacap.com|70",
			},
			cells: map[[2]int]int64{{0, 0}: 5},
		},
		{
			name:  "threshold leaves out mismatched names",
			x:     []Record{rec("x1", 1, "curebit", "talkable.com"), rec("x2", 1, "dr chrono", "drchrono.com")},
			y:     []Record{rec("y1", 1, "talkable", "talkable.com"), rec("y2", 1, "drchrono", "drchrono.com")},
			opts:  Options{MinConfidence: ConfDomain},
			want:  []string{"x2|y2|domain|drchrono.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name:  "exclusion removes the edge",
			x:     []Record{rec("x1", 1, "acme", "acme.com"), rec("x2", 1, "beta", "beta.com")},
			y:     []Record{rec("y1", 1, "acme", "acme.com"), rec("y2", 1, "beta", "beta.com")},
			opts:  Options{Exclude: func(x, y string) bool { return x == "x1" && y == "y1" }},
			want:  []string{"x2|y2|domain|beta.com|90"},
			cells: map[[2]int]int64{{0, 0}: 1},
		},
		{
			name: "exclusion of one record pair of a merged account",
			x:    []Record{rec("x1", 1, "acme", "acme.com"), rec("x2", 1, "acme", "acme.com")},
			y:    []Record{rec("y1", 1, "acme", "acme.com")},
			opts: Options{Exclude: func(x, y string) bool { return x == "x2" && y == "y1" }},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDict()
			x, y := Build(d, tt.x), Build(d, tt.y)
			got := brief(Matches(x, y, tt.opts, ^uint64(0), ^uint64(0)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Matches (-want +got):\n%s", diff)
			}
			m := Overlap(x, y, tt.opts)
			if m.Total != int64(len(tt.want)) {
				t.Errorf("Total = %d, want %d", m.Total, len(tt.want))
			}
			for i := 0; i < 64; i++ {
				for j := 0; j < 64; j++ {
					if got, want := m.At(i, j), tt.cells[[2]int{i, j}]; got != want {
						t.Errorf("cell(%d,%d) = %d, want %d", i, j, got, want)
					}
				}
			}
			// Both partners see the same numbers.
			sw := tt.opts
			if sw.Exclude != nil {
				ex := tt.opts.Exclude
				sw.Exclude = func(a, b string) bool { return ex(b, a) }
			}
			if back := Overlap(y, x, sw); !back.Equal(m.Transpose()) {
				t.Errorf("Overlap(y,x) = %+v, want transpose of %+v", back, m)
			}
		})
	}
}

func TestCompareNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want nameRel
	}{
		{"acme", "acme", relAgree},
		{"dr chrono", "drchrono", relAgree},
		{"crohnology by healthy labs", "crohnology", relPartial},
		{"sequoia capital", "sequoia capital global equities", relPartial},
		{"curebit", "talkable", relConflict},
		{"johnson and johnson", "procter and gamble", relConflict},
		{"ab", "ab inbev", relConflict}, // "ab": too short to contain or share
		{"socialcam", "social cam video", relPartial},
		{"acme", "", relMissing},
		// Umlauts stripped by normalization, or spelled out.
		{"backerei munchen", "baeckerei muenchen", relAgree},
		{"muller", "mueller", relAgree},
		{"mueller", "moeller", relConflict},
		{"blue", "blu", relAgree},
		// Words that say what kind of organization, not which one.
		{"acme group", "acme holdings", relAgree},
		{"acme", "acme holding company", relAgree},
		{"procter and gamble", "procter gamble", relAgree},
		{"bank of america", "bank america", relAgree},
		// Single letters spaced out.
		{"r r donnelley and sons", "rr donnelley and sons", relAgree},
		// Listing tails: share classes, preferreds, depositary shares.
		{"berkshire hathaway class b", "berkshire hathaway", relAgree},
		{"apple inc common stock", "apple", relAgree},
		{"duke energy corporation 5 75 series a cumulative redeemable perpetual preferred stock", "duke energy", relAgree},
		{"bank of america corp depositary shares each representing", "bank of america", relAgree},
		{"preferred bank", "preferred", relPartial}, // a listing word that starts the name stays
		{"acme target date 2030 fund", "acme target date 2040 fund", relPartial},
		// Acronyms.
		{"ibm", "international business machines", relAcronym},
		{"att", "american telephone and telegraph", relAcronym},
		{"ibm", "international business", relConflict},
		// A fund or trust on its sponsor's site is another entity.
		{"acme", "acme municipal income trust", relEntity},
		{"vanguard", "vanguard total stock market etf", relEntity},
		{"acme", "acme analytics", relPartial},
		{"duke energy", "duke energy progress", relPartial},
	}
	for _, tt := range tests {
		if got := compareNames(tt.a, tt.b); got != tt.want {
			t.Errorf("compareNames(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := compareNames(tt.b, tt.a); got != tt.want {
			t.Errorf("compareNames(%q, %q) = %v, want %v (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestDistinctiveName(t *testing.T) {
	t.Parallel()
	allRare := func(string) bool { return true }
	noneRare := func(string) bool { return false }
	for _, tc := range []struct {
		key  string
		rare func(string) bool
		want bool
	}{
		{"delta", allRare, false},
		{"target", allRare, false},
		{"salesforce", allRare, true},
		{"delta air lines", allRare, true},
		{"first national bank", noneRare, false},
		{"crossbeam", allRare, true},
		{"acme", allRare, false},
	} {
		if got := distinctiveName(tc.key, tc.rare); got != tc.want {
			t.Errorf("distinctiveName(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

// TestForcedCollision gives every string the same hash: ids must still be
// equal only for equal strings, and no false overlap may appear.
func TestForcedCollision(t *testing.T) {
	d := newDictHash(func(string) uint64 { return 0x0123456789abcdef })
	var xs, ys []Record
	for i := range 300 {
		xs = append(xs, rec(fmt.Sprint("x", i), 1, fmt.Sprint("name", i), fmt.Sprintf("a%d.com", i)))
		ys = append(ys, rec(fmt.Sprint("y", i), 1, fmt.Sprint("name", i), fmt.Sprintf("b%d.com", i)))
	}
	ys = append(ys, rec("ymatch", 1, "", "a7.com"))
	x, y := Build(d, xs), Build(d, ys)
	m := Overlap(x, y, Options{})
	if m.Total != 1 {
		t.Fatalf("Total = %d, want 1 (all hashes collide)", m.Total)
	}
	got := brief(Matches(x, y, Options{}, 1, 1))
	if want := []string{"x7|ymatch|domain|a7.com|70"}; !cmp.Equal(got, want) {
		t.Fatalf("Matches = %v, want %v", got, want)
	}
	if a, b := d.Intern("a1.com"), d.Intern("b1.com"); a == b {
		t.Fatalf("colliding strings share id %d", a)
	}
	if d.String(d.Intern("a1.com")) != "a1.com" {
		t.Fatal("String(Intern(s)) != s")
	}
	// Large batches go through the sharded path: still exact.
	big := make([]Record, 4200)
	for i := range big {
		big[i] = rec(fmt.Sprint("z", i), 1, "", fmt.Sprintf("z%d.com", i))
	}
	z := Build(newDictHash(func(s string) uint64 { return uint64(len(s)) << 56 }), big)
	if z.Accounts() != 4200 {
		t.Fatalf("Accounts = %d, want 4200", z.Accounts())
	}
}

func TestDictConcurrent(t *testing.T) {
	d := NewDict()
	var wg sync.WaitGroup
	ids := make([][]uint32, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			strs := make([]string, 20000)
			for i := range strs {
				strs[i] = fmt.Sprintf("k%d.com", (i*7+g)%15000)
			}
			out := make([]uint32, len(strs))
			d.internStrings(strs, out, 2)
			for i, s := range strs {
				if d.String(out[i]) != s {
					t.Errorf("String(%d) = %q, want %q", out[i], d.String(out[i]), s)
					return
				}
			}
			ids[g] = out
		}()
	}
	wg.Wait()
	if d.Len() != 15000 {
		t.Fatalf("Len = %d, want 15000", d.Len())
	}
	if id, ok := d.Lookup("k1.com"); !ok || d.String(id) != "k1.com" {
		t.Fatal("Lookup failed")
	}
	if _, ok := d.Lookup("nope"); ok {
		t.Fatal("Lookup found a string never interned")
	}
}
