package match

import (
	"slices"
	"strings"
)

// Evidence is what one record of an index and one of another share, and
// how their names relate: the reasons for a pair's confidence.
type Evidence struct {
	// Domains are the domains both records carry, in order; Umbrella
	// those of them that are an umbrella in either record's index.
	Domains, Umbrella []string
	// RegID is the registration id both carry ("scheme:value"), or "";
	// RegConflict reports ids of one scheme with different values.
	RegID       string
	RegConflict bool
	// Names relates the two records' names; NamesX and NamesY are their
	// name keys.
	Names          NameRelation
	NamesX, NamesY []string
	// Entity is the entity key the names share ("" unless they agree),
	// Distinctive whether it is distinctive in both indexes, and Listing
	// whether one of the two names is a security's listing of the issuer
	// the other names ("Acme Corp Class B" / "Acme").
	Entity      string
	Distinctive bool
	Listing     bool
}

// PairEvidence returns the evidence between record xID of x and record yID
// of y, or false when either index lacks the record. An index of another
// Dict than x's is rebased onto x's first (Index.Rebase).
func PairEvidence(x *Index, xID string, y *Index, yID string) (Evidence, bool) {
	y = onDict(x, y)
	xs, ys := sideOf(x), sideOf(y)
	kx, okx := recordKeysOf(xs, xID)
	ky, oky := recordKeysOf(ys, yID)
	if !okx || !oky {
		return Evidence{}, false
	}
	d := x.dict
	var ev Evidence
	for _, k := range kx.doms {
		if slices.Contains(ky.doms, k) {
			name := d.String(k)
			ev.Domains = append(ev.Domains, name)
			if kx.seg.isUmbrella(k) || ky.seg.isUmbrella(k) {
				ev.Umbrella = append(ev.Umbrella, name)
			}
		}
	}
	slices.Sort(ev.Domains)
	slices.Sort(ev.Umbrella)
	if kx.reg != 0 && ky.reg != 0 && kx.scheme == ky.scheme {
		if kx.reg == ky.reg {
			ev.RegID = d.String(kx.reg)
		} else {
			ev.RegConflict = true
		}
	}
	ev.NamesX, ev.NamesY = kx.names, ky.names
	ev.Names = bestNames(kx.names, ky.names)
	if len(ev.Domains) == 0 && ev.RegID == "" {
		e := evaluator{xs: xs, ys: ys, d: d}
		ev.Entity, _, ev.Listing = e.nameOnly(kx.names, ky.names)
		ev.Distinctive = ev.Entity != "" && distinctiveName(ev.Entity, e.rare)
	}
	return ev, true
}

// Confidence is the pair's confidence by the table of ConfRegistrationID's
// comment, and what it matched on (0: the pair is no match, whatever the
// threshold). With names false, it reads the evidence as a viewer that
// may not see the second record's name would: names missing, no umbrella
// (whether a domain is one depends on the names of other records), name
// matches at ConfNameOnly.
func (ev Evidence) Confidence(names bool) (int, Kind) {
	switch {
	case ev.RegID != "":
		return ConfRegistrationID, RegistrationID
	case ev.RegConflict:
		return 0, 0
	case len(ev.Domains) > 0 && !names:
		return ConfDomain, Domain
	case len(ev.Domains) > 0:
		return domainConfidence(ev.Names, len(ev.Umbrella) == len(ev.Domains)), Domain
	case ev.Entity != "" && names && ev.Listing:
		return ConfDistinctiveName, Listing
	case ev.Entity != "" && (!names || !ev.Distinctive):
		return ConfNameOnly, Name
	case ev.Entity != "":
		return ConfDistinctiveName, Name
	}
	return 0, 0
}

// recKeys are one record's keys as an index holds them.
type recKeys struct {
	seg         *segment
	doms        []uint32
	reg, scheme uint32
	names       []string
}

// recordKeysOf returns the keys of live record id of the side.
func recordKeysOf(sd *side, id string) (recKeys, bool) {
	g, ok := sd.x.accountOf(id)
	if !ok {
		return recKeys{}, false
	}
	seg, a := sd.at(g)
	lo, hi := seg.recRange(a)
	k := recKeys{seg: seg}
	for r := lo; r < hi; r++ {
		if seg.recID(r) != id {
			continue
		}
		for nm := range strings.SplitSeq(seg.recName(r), nameSep) {
			if nm != "" {
				k.names = append(k.names, nm)
			}
		}
		if hi-lo == 1 {
			k.doms = seg.domainsOf(a, nil)
			if rs := seg.regsOf(a, nil); len(rs) > 0 {
				k.reg, k.scheme = rs[0].key, rs[0].scheme
			}
		} else {
			p := search(seg.multiAt, r)
			k.doms = slices.Clone(seg.multi.recDoms(p))
			k.reg, k.scheme = seg.multi.reg[p], seg.multi.schemeOf(p)
		}
		return k, true
	}
	return recKeys{}, false
}
