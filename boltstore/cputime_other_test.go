//go:build !unix

package boltstore

import "time"

// cpuTime is not measured here: the benchmarks report elapsed time only.
func cpuTime() time.Duration { return 0 }
