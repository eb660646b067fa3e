package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"github.com/acctmap/acctmap/internal/match"
	"github.com/acctmap/acctmap/normalize"
)

// raw is one generated account record as a CRM export holds it.
type raw struct {
	id, name, website, duns string
	mask                    uint64
}

// company returns the canonical name and host of company co: one
// registrable domain per company, on a TLD drawn from its number.
func company(co int) (name, host string) {
	words := [...]string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
		"Soylent", "Tyrell", "Cyberdyne", "Massive", "Aperture", "Black Mesa", "Wonka", "Gringotts"}
	tlds := [...]string{".com", ".com", ".com", ".com", ".io", ".co.uk", ".de", ".fr", ".net", ".com.au"}
	w := words[co%len(words)]
	name = w + " " + strconv.Itoa(co)
	host = strings.ToLower(strings.ReplaceAll(w, " ", "")) + "-" + strconv.Itoa(co) + tlds[(co/len(words))%len(tlds)]
	return name, host
}

// overlaps decides, the same way for every org, whether account slot i is
// a company the first org shares (a multiplicative hash: no state).
func overlaps(i int, frac float64) bool {
	return float64(uint32(i)*2654435761)/(1<<32) < frac
}

// popMask draws population membership with skewed sizes: slot 0
// (customers) ~10%, slot 1 (prospects) ~60%, slot 2 (open opportunities)
// ~5%, then slot s ~1/(s+2).
func popMask(r *rand.Rand, pops int) uint64 {
	var m uint64
	for s := 0; s < pops; s++ {
		var p float64
		switch s {
		case 0:
			p = 0.10
		case 1:
			p = 0.60
		case 2:
			p = 0.05
		default:
			p = 1 / float64(s+2)
		}
		if r.Float64() < p {
			m |= 1 << s
		}
	}
	return m
}

// genOrg generates org k's n accounts, one record each: a fraction overlap
// of them are companies of the shared universe (slot i is company i),
// others are the org's own. Websites come in messy forms, 3% are missing
// (the record keeps its name), 10% of records carry a DUNS number.
func genOrg(seed uint64, k, n, pops int, overlap float64) []raw {
	out := make([]raw, n)
	var wg sync.WaitGroup
	const parts = 2
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(k*parts+p)))
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				co := i
				if !overlaps(i, overlap) {
					co = (k+1)*n*2 + i
				}
				name, host := company(co)
				rc := raw{id: fmt.Sprintf("%c%07d", 'A'+k%26, i), mask: popMask(r, pops)}
				suffixes := [...]string{"", "", ", Inc.", " Inc", " LLC", " Ltd.", " GmbH", " S.A.", " Corp.", " Limited", " Co., Ltd."}
				rc.name = name + suffixes[r.IntN(len(suffixes))]
				if r.IntN(4) == 0 {
					rc.name = strings.ToUpper(rc.name)
				}
				switch r.IntN(10) {
				case 0:
					rc.website = "https://www." + host + "/about"
				case 1:
					rc.website = "http://" + strings.ToUpper(host[:1]) + host[1:] + "/"
				case 2:
					rc.website = "www." + host
				case 3:
					rc.website = "info@" + host
				case 4:
					rc.website = "https://" + host + "/?utm_source=crm"
				case 5:
					rc.website = " " + strings.ToUpper(host) + " "
				case 6:
					rc.website = "" // no website: matches by name only, if at all
					if r.IntN(3) != 0 {
						rc.website = host
					}
				default:
					rc.website = host
				}
				// DUNS only with a website, so that the naive baseline (hosts
				// only) and the engine count the same matches.
				if rc.website != "" && r.IntN(10) == 0 {
					rc.duns = fmt.Sprintf("%09d", co%1_000_000_000)
				}
				out[i] = rc
			}
		}(p)
	}
	wg.Wait()
	return out
}

// normalizeAll turns raw records into engine records on both cores.
func normalizeAll(norm *normalize.Normalizer, rs []raw) []match.Record {
	out := make([]match.Record, len(rs))
	var wg sync.WaitGroup
	const parts = 2
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := p * len(rs) / parts; i < (p+1)*len(rs)/parts; i++ {
				r := &rs[i]
				rec := match.Record{ID: r.id, NameKey: norm.CompanyName(r.name), Mask: r.mask}
				if d, err := norm.Domain(r.website); err == nil {
					rec.Domains = []string{d}
				}
				if r.duns != "" {
					if id, err := normalize.RegistrationID("duns", r.duns); err == nil {
						rec.RegID = "duns:" + id
					}
				}
				out[i] = rec
			}
		}(p)
	}
	wg.Wait()
	return out
}
