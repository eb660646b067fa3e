package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/acctmap/acctmap"
)

// progress shows how far an import has come: a bar on a terminal, a line
// every interval otherwise (a log), nothing when off.
type progress struct {
	w        io.Writer
	file     string
	bar      *progressbar.ProgressBar
	lines    bool
	wantBar  bool // a bar is to be drawn
	forceBar bool // even for a short import
	interval time.Duration
	start    time.Time
	last     time.Time // of the last line printed
	printed  bool
	now      func() time.Time
}

func newProgress(w io.Writer, mode, file string, interval time.Duration, tty bool) *progress {
	p := &progress{w: w, file: file, interval: interval, now: time.Now}
	p.start = p.now()
	switch {
	case mode == "off":
	case mode == "bar" || (mode == "auto" && tty):
		// Drawn from the first report before the end: an import that
		// reports only its end (under ProgressEvery rows) is short.
		p.wantBar, p.forceBar = true, mode == "bar"
	default:
		p.lines = true
	}
	return p
}

// report is acctmap.CSVImport.Progress. The library reports every
// ProgressEvery rows and once when the file is read (PhaseRead), then when
// the write begins and ends, which this display leaves out.
func (p *progress) report(pr acctmap.Progress) {
	if pr.Phase != acctmap.PhaseRead {
		return // the write is announced once, when the file is read (done)
	}
	now := p.now()
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(pr.Rows) / elapsed
	}
	read := pr.TotalBytes > 0 && pr.Bytes >= pr.TotalBytes
	status := fmt.Sprintf("importing %s: %s rows, %s rows/s", clean(p.file), count(int64(pr.Rows)), count(int64(rate)))
	if p.wantBar && (!read || p.forceBar) {
		p.wantBar = false
		total := pr.TotalBytes
		if total <= 0 {
			total = -1 // unknown: a spinner
		}
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionUseANSICodes(true),
		)
	}
	switch {
	case p.bar != nil:
		if pr.TotalBytes > 0 && p.bar.GetMax64() != pr.TotalBytes {
			p.bar.ChangeMax64(pr.TotalBytes)
		}
		p.bar.Describe(status)
		_ = p.bar.Set64(pr.Bytes)
		if read {
			p.done()
		}
	case p.lines:
		due := now.Sub(p.last) >= p.interval && (p.printed || now.Sub(p.start) >= p.interval)
		if !due && !(read && p.printed) {
			return
		}
		p.last, p.printed = now, true
		if pr.TotalBytes > 0 {
			frac := float64(pr.Bytes) / float64(pr.TotalBytes)
			status += fmt.Sprintf(", %.0f%% of %s", 100*min(frac, 1), bytesText(pr.TotalBytes))
			if frac > 0 && frac < 1 {
				left := time.Duration(elapsed * (1 - frac) / frac * float64(time.Second))
				status += ", about " + left.Round(time.Second).String() + " left"
			}
		}
		fmt.Fprintln(p.w, status)
		if read {
			p.done()
		}
	}
}

// done ends the display once the file is read: what follows is the write
// to the workspace, which reports no progress.
func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
		p.printed = true
	}
	if p.printed {
		fmt.Fprintf(p.w, "importing %s: saving to the workspace\n", clean(p.file))
		p.printed, p.lines = false, false
	}
}

func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
