package acctmap

import (
	"math/bits"

	"github.com/acctmap/acctmap/internal/match"
)

// OverlapTx is implemented by the read transactions (ReadTx) of stores that
// can join two data sources' account keys themselves, where the data is:
// pgstore's do it in SQL. A Network then computes overlap matrices without
// loading the records of either data source into memory; see JoinKeys.
//
// The Network pushes a matrix down when the store's transaction implements
// OverlapTx and names can change a count only where the store hands the
// records back: without WithNameMatching and with a minimum confidence of
// at most ConfidenceDomainNameMismatch (the default), where a candidate
// pair of records alone on their keys counts unless its registration ids
// disagree, users marked it not the same company, or a name makes it
// another entity (KeyJoin.ComplexWords: such pairs come back as complex). It keeps the in-memory engine when it holds both data
// sources' indexes at their current versions already (a Report built
// them), with WithoutPushdown, or with other options. Both ways give the
// same counts.
type OverlapTx interface {
	// JoinKeys joins the keys of two data sources, in the transaction's
	// snapshot. It returns an error wrapping ErrNotFound when either data
	// source does not exist.
	JoinKeys(req KeyJoin) (KeyJoinResult, error)
}

// KeyJoin asks an OverlapTx for the overlap of data sources X and Y.
//
// Records of X and of Y are linked by the domains and registration ids
// (Record.Domains, Record.RegistrationID) they share: two records share a
// registration id when scheme and value are equal. Links within one data
// source make accounts; links across make candidates.
type KeyJoin struct {
	X, Y string // data source ids, different
	// PublicX and PublicY leave out the private records of X and of Y: as
	// if they did not exist, in the links and in the result.
	PublicX, PublicY bool
	// NotSame are pairs of record ids, {X record, Y record}, that users
	// marked "not the same company": such an isolated pair counts nothing.
	NotSame [][2]string
	// ComplexWords are words of name keys that make a record's candidates
	// a matter of names: an isolated pair one of whose records has a name
	// key (NameKey or one of OtherNameKeys) holding one of them as a whole
	// word is complex, not counted in Simple.
	ComplexWords []string
}

// KeyJoinResult is the overlap of two data sources, split in two.
//
// An isolated pair is a record x of X and a record y of Y that share a
// domain or a registration id, where neither x nor y shares one with any
// other record of X or of Y (private ones included unless left out by
// PublicX or PublicY), and neither has a name holding one of ComplexWords.
// Each isolated pair is one matched account by itself, unless its
// registration ids have the same scheme (the text before the first ':' of
// "scheme:value") and different values, or it is in NotSame: then it
// counts nothing.
//
// Every other record that is linked, directly or through other records of
// either source, to a record of the other source is in ComplexX or
// ComplexY, to be resolved by the matching engine. A store may put more
// records there than that (an isolated pair it did not recognize as one,
// records that share only a key's hash with others), as long as what it
// returns is closed under links: every record that shares a domain or a
// registration id with a record in ComplexX or ComplexY is in one of them
// too (unless left out by PublicX or PublicY), and no isolated pair
// counted in Simple is.
type KeyJoinResult struct {
	// Simple counts the isolated pairs that match, by {Populations of x,
	// Populations of y}.
	Simple map[[2]uint64]int64
	// SimplePrivateX counts those of Simple whose X record is private
	// (none when PublicX is set).
	SimplePrivateX map[[2]uint64]int64
	// ComplexX and ComplexY are the other records, each with its ID,
	// Populations, Private mark, RegistrationID, NameKey, OtherNameKeys and
	// at least the Domains it shares with another record of X or Y; other
	// fields may be empty. A registration id whose scheme holds a ':' may
	// come back split at the first ':' instead ("a:b" "c" as "a" "b:c"):
	// Scheme+":"+Value, what matching compares, is the same.
	ComplexX, ComplexY []Record
}

// pushdown computes pairCounts with the store's OverlapTx when the
// network's options allow it (see OverlapTx) and the indexes of x and y
// are not both in memory; ok reports whether it did. The store joins all
// of y's public records; this side leaves out those the viewer may not see
// (outside yView) and, for public, x's records the partner is not shown
// (private, or outside xShown): isolated pairs are counted by their
// populations, and the complex records, closed under links, are resolved
// without the left-out ones, exactly as the in-memory views would.
func (n *Network) pushdown(tx ReadTx, x, y DataSource, ownsY bool, yView, xShown uint64) (counts, public match.Matrix, ok bool, err error) {
	otx, can := tx.(OverlapTx)
	if !can || n.cfg.noPushdown || n.cfg.nameMatching || n.cfg.minConfidence > ConfidenceDomainNameMismatch {
		return match.Matrix{}, match.Matrix{}, false, nil
	}
	if n.indexes.get(x.ID, x.Version) != nil && n.indexes.get(y.ID, y.Version) != nil {
		return match.Matrix{}, match.Matrix{}, false, nil
	}
	req := KeyJoin{X: x.ID, Y: y.ID, PublicY: !ownsY, NotSame: notSameMarks(x, y), ComplexWords: match.EntityTypeWords()}
	res, err := otx.JoinKeys(req)
	if err != nil {
		return match.Matrix{}, match.Matrix{}, false, err
	}
	keepY := func(r *Record) (uint64, bool) {
		if ownsY {
			return r.Populations, true
		}
		return r.Populations & yView, r.Populations&yView != 0
	}
	keepAll := func(r *Record) (uint64, bool) { return r.Populations, true }
	keepShown := func(r *Record) (uint64, bool) {
		return r.Populations & xShown, !r.Private && r.Populations&xShown != 0
	}
	counts = n.pushedMatrix(res, keepAll, keepY, req.NotSame, x, y)
	if ownsY {
		return counts, counts, true, nil
	}
	return counts, n.pushedMatrix(res, keepShown, keepY, req.NotSame, x, y), true, nil
}

// pushedMatrix resolves a KeyJoinResult into a matrix, keeping of each
// side's records (isolated or complex) those keep accepts, with the
// populations it returns: the complex records through the matching engine,
// plus the isolated pairs.
func (n *Network) pushedMatrix(res KeyJoinResult, keepX, keepY func(*Record) (uint64, bool), marks [][2]string, x, y DataSource) match.Matrix {
	// A Dict of their own: these keys are not worth keeping in the
	// network's.
	dict := match.NewDict()
	pick := func(recs []Record, keep func(*Record) (uint64, bool)) []match.Record {
		var out []match.Record
		for i := range recs {
			if m, ok := keep(&recs[i]); ok {
				mr := matchRecord(&recs[i])
				mr.Mask = m
				out = append(out, mr)
			}
		}
		return out
	}
	xs, ys := pick(res.ComplexX, keepX), pick(res.ComplexY, keepY)
	var m match.Matrix
	if len(xs) > 0 && len(ys) > 0 {
		xi, yi := match.Build(dict, xs), match.Build(dict, ys)
		opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
		if len(marks) > 0 {
			opts.Exclude = excludeAccounts(marks, xi.AccountOf, yi.AccountOf)
		}
		m = match.Overlap(xi, yi, opts)
	}
	simple := map[[2]uint64]int64{}
	for k, c := range res.Simple {
		// The store counted the pairs by populations and private mark of
		// x; keepX and keepY decide on those alone for an isolated pair.
		for _, private := range []bool{false, true} {
			cnt := c - res.SimplePrivateX[k]
			if private {
				cnt = res.SimplePrivateX[k]
			}
			if cnt == 0 {
				continue
			}
			mx, okx := keepX(&Record{Populations: k[0], Private: private})
			my, oky := keepY(&Record{Populations: k[1]})
			if okx && oky {
				simple[[2]uint64{mx, my}] += cnt
			}
		}
	}
	return sumMatrix(m, simple)
}

// sumMatrix returns m plus the isolated pairs of simple, each one matched
// account with its X and Y populations.
func sumMatrix(m match.Matrix, simple map[[2]uint64]int64) match.Matrix {
	rows, cols := m.Rows, m.Cols
	for k := range simple {
		rows, cols = max(rows, bits.Len64(k[0])), max(cols, bits.Len64(k[1]))
	}
	out := match.Matrix{Rows: rows, Cols: cols, Cells: make([]int64, rows*cols), Total: m.Total}
	for i := 0; i < m.Rows; i++ {
		for j := 0; j < m.Cols; j++ {
			out.Cells[i*cols+j] = m.Cells[i*m.Cols+j]
		}
	}
	add := func(mx, my uint64, d int64) {
		out.Total += d
		for ; mx != 0; mx &= mx - 1 {
			row := out.Cells[bits.TrailingZeros64(mx)*cols:]
			for t := my; t != 0; t &= t - 1 {
				row[bits.TrailingZeros64(t)] += d
			}
		}
	}
	for k, c := range simple {
		add(k[0], k[1], c)
	}
	return out
}
