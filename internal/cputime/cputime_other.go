//go:build !unix

package cputime

import "time"

// Used reports that CPU time is not measured on this platform.
func Used() (time.Duration, bool) { return 0, false }
