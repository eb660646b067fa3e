// Package matcheval loads the labeled company-matching evaluation set in
// testdata/matcheval and scores predicted record pairs against it.
//
// The set has two record lists as CSV exports hold them (left.csv: large
// enterprises; right.csv: listed securities with their share classes, funds
// and subsidiaries) and labels.csv, the adjudicated left-right pairs. Its
// rule for "same company", its sources and licences are in RULES.md and
// SOURCES.md beside the data.
//
// Scoring is pair-level. A predicted pair is a true positive when it is
// labeled "same"; every other predicted pair is a false positive: labeled
// "different", not listed at all (every unlisted pair is "different"), or
// naming an id the set does not have. A pair labeled "same" that is not
// predicted is a false negative. Predicted pairs are deduplicated first.
package matcheval
