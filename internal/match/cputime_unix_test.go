//go:build unix

package match

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process used so far: on a shared
// machine, CPU time per operation varies less than wall time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
