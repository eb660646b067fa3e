//go:build !unix

package acctmap_test

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
