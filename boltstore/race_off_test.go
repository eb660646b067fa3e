//go:build !race

package boltstore

// raceEnabled is set when the tests run with the race detector, which
// makes the largest ones several times slower.
const raceEnabled = false
