//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Used returns the CPU time, user and system, that the process has used so
// far, and whether it could be measured.
func Used() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
