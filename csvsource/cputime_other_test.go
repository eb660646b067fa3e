//go:build !unix

package csvsource

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
