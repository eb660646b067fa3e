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
// OverlapTx and names cannot change a count: without WithNameMatching and
// with a minimum confidence of at most ConfidenceDomainNameMismatch (the
// default), where every candidate pair sharing a domain or a registration
// id counts unless its registration ids disagree or users marked it not
// the same company. It keeps the in-memory engine when it holds both data
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
// registration id when scheme and value are equal. Name keys play no part.
// Links within one data source make accounts; links across make
// candidates.
type KeyJoin struct {
	X, Y string // data source ids, different
	// PublicX and PublicY leave out the private records of X and of Y: as
	// if they did not exist, in the links and in the result (but for
	// AccountsX and AccountsY).
	PublicX, PublicY bool
	// NotSame are pairs of record ids, {X record, Y record}, that users
	// marked "not the same company": no record of the first's account
	// matches any of the second's, accounts resolved over all the records
	// of X and of Y (see KeyJoinResult.AccountsX).
	NotSame [][2]string
}

// KeyJoinResult is the overlap of two data sources, split in two.
//
// An isolated pair is a record x of X and a record y of Y that share a
// domain or a registration id, where neither x nor y shares one with any
// other record of X or of Y, private ones included. Each isolated pair is
// one matched account by itself, unless its registration ids have the same
// scheme (the text before the first ':' of "scheme:value") and different
// values, or it is in NotSame: then it counts nothing.
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
	// Populations, Private mark, RegistrationID and at least the Domains
	// it shares with another record of X or Y; other fields may be empty.
	// A registration id whose scheme holds a ':' may come back split at
	// the first ':' instead ("a:b" "c" as "a" "b:c"): Scheme+":"+Value,
	// what matching compares, is the same.
	ComplexX, ComplexY []Record
	// AccountsX maps each record of X named in NotSame that shares a
	// domain or registration id with another record of X to the ids of
	// the records of its account (itself included), resolved over all the
	// records of X, private ones included whatever PublicX says; AccountsY
	// is the same for Y. A mark applies to the accounts as resolved so.
	AccountsX, AccountsY map[string][]string
}

// pushdown computes pairCounts with the store's OverlapTx when the
// network's options allow it (see OverlapTx) and the indexes of x and y
// are not both in memory; ok reports whether it did.
func (n *Network) pushdown(tx ReadTx, x, y DataSource, ownsY bool) (counts, public match.Matrix, ok bool, err error) {
	otx, can := tx.(OverlapTx)
	if !can || n.cfg.noPushdown || n.cfg.nameMatching || n.cfg.minConfidence > ConfidenceDomainNameMismatch {
		return match.Matrix{}, match.Matrix{}, false, nil
	}
	if n.indexes.get(x.ID, x.Version) != nil && n.indexes.get(y.ID, y.Version) != nil {
		return match.Matrix{}, match.Matrix{}, false, nil
	}
	req := KeyJoin{X: x.ID, Y: y.ID, PublicY: !ownsY, NotSame: notSameMarks(x, y)}
	res, err := otx.JoinKeys(req)
	if err != nil {
		return match.Matrix{}, match.Matrix{}, false, err
	}
	// The options of matchOptions, whose marks apply to the accounts the
	// store resolved.
	opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
	if len(req.NotSame) > 0 {
		opts.Exclude = excludeAccounts(req.NotSame,
			func(id string) []string { return res.AccountsX[id] },
			func(id string) []string { return res.AccountsY[id] })
	}
	counts, public = pushedMatrices(res, opts, ownsY)
	return counts, public, true, nil
}

// pushedMatrices resolves a KeyJoinResult into the matrices pairCounts
// returns: the complex records through the matching engine, plus the
// isolated pairs. public leaves out X's private records, unless ownsY
// (the viewer's offline partner sees everything).
func pushedMatrices(res KeyJoinResult, opts match.Options, ownsY bool) (counts, public match.Matrix) {
	// A Dict of their own: these keys are not worth keeping in the
	// network's.
	dict := match.NewDict()
	var all, pub []match.Record
	for i := range res.ComplexX {
		mr := matchRecord(&res.ComplexX[i])
		all = append(all, mr)
		if !res.ComplexX[i].Private {
			pub = append(pub, mr)
		}
	}
	ys := make([]match.Record, len(res.ComplexY))
	for i := range res.ComplexY {
		ys[i] = matchRecord(&res.ComplexY[i])
	}
	var cm, pm match.Matrix
	if len(all) > 0 && len(ys) > 0 {
		yi := match.Build(dict, ys)
		cm = match.Overlap(match.Build(dict, all), yi, opts)
		pm = cm
		if len(pub) < len(all) && !ownsY {
			pm = match.Overlap(match.Build(dict, pub), yi, opts)
		}
	}
	counts = sumMatrix(cm, res.Simple, nil)
	if ownsY {
		return counts, counts
	}
	return counts, sumMatrix(pm, res.Simple, res.SimplePrivateX)
}

// sumMatrix returns m plus the isolated pairs of simple less those of
// minus, each one matched account with its X and Y populations.
func sumMatrix(m match.Matrix, simple, minus map[[2]uint64]int64) match.Matrix {
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
		add(k[0], k[1], c-minus[k])
	}
	return out
}
