package csvsource

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/acctmap/acctmap/internal/cputime"
)

// genAccounts returns a header and rows like a messy CRM export: ten
// columns, names with legal forms and accents, websites in every form people
// type (URLs, bare hosts, upper case, paths, free mail, platform pages,
// placeholders, lists), quoted notes with commas and line breaks.
func genAccounts(rows int, seed uint64) (header string, body []byte) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	stems := []string{"Acme", "Müller", "Globex", "Initech", "Umbrella", "Société Générale", "Stark", "Wayne",
		"Hooli", "Pied Piper", "Nakatomi", "Cyberdyne", "Soylent", "Tyrell", "Wonka", "Oscorp", "Aperture",
		"Black Mesa", "Vandelay", "Dunder Mifflin", "Kraków Tech", "São Paulo Foods", "Zürich Re"}
	forms := []string{"", "", " Inc.", ", Inc.", " GmbH", " S.A.", " Ltd", " LLC", " AG", " Corp."}
	tlds := []string{".com", ".com", ".com", ".de", ".co.uk", ".io", ".fr", ".com.br", ".ch", ".pl"}
	industries := []string{"Manufacturing", "Retail", "Software", "Finance", "Health Care", "Energy"}
	cities := []string{"Berlin", "Paris", "New York", "São Paulo", "Zürich", "Kraków", "Tokyo", "London"}
	var b bytes.Buffer
	for i := range rows {
		stem := stems[rng.IntN(len(stems))]
		n := rng.IntN(100000)
		name := fmt.Sprintf("%s %d%s", stem, n, forms[rng.IntN(len(forms))])
		host := strings.ToLower(strings.NewReplacer(" ", "", "ü", "u", "é", "e", "ó", "o", "ã", "a").Replace(stem)) +
			fmt.Sprint(n) + tlds[rng.IntN(len(tlds))]
		var site string
		switch rng.IntN(12) {
		case 0:
			site = "https://www." + host + "/"
		case 1:
			site = "http://" + host + "/about-us?ref=crm"
		case 2:
			site = "WWW." + strings.ToUpper(host)
		case 3:
			site = "www." + host
		case 4:
			site = ""
		case 5:
			site = "n/a"
		case 6:
			site = "https://www.linkedin.com/company/" + strings.ToLower(stem)
		case 7:
			site = "info@" + host
		case 8:
			site = "gmail.com"
		default:
			site = host
		}
		aliases := ""
		if rng.IntN(5) == 0 {
			aliases = "\"" + host + "; " + strings.TrimSuffix(host, tlds[0]) + ".net\""
		}
		notes := "-"
		if rng.IntN(4) == 0 {
			notes = "\"Met at the fair, \"\"very keen\"\"\nCall back in Q3\""
		}
		if strings.ContainsAny(name, ",\"") {
			name = "\"" + strings.ReplaceAll(name, "\"", "\"\"") + "\""
		}
		fmt.Fprintf(&b, "001%07d,%s,%s,%s,%s,%s,%s,%d,owner%d@example.com,%s\r\n",
			i, name, site, aliases, industries[rng.IntN(len(industries))], cities[rng.IntN(len(cities))],
			[]string{"DE", "FR", "US", "BR", "CH", "PL", "JP", "GB"}[rng.IntN(8)], rng.IntN(50000), rng.IntN(40), notes)
	}
	return "Account ID,Account Name,Website,Domains,Industry,City,Country,Employees,Owner,Notes\r\n", b.Bytes()
}

var benchMapping = Mapping{Name: "Account Name", Website: "Website", ID: "Account ID", Aliases: "Domains"}

// repeater yields header once, then body times times (forever if times < 0).
type repeater struct {
	header string
	body   []byte
	times  int
	off    int
}

func (r *repeater) Read(p []byte) (int, error) {
	if r.header != "" {
		n := copy(p, r.header)
		r.header = r.header[n:]
		return n, nil
	}
	if r.times == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.body[r.off:])
	r.off += n
	if r.off == len(r.body) {
		r.off = 0
		r.times--
	}
	return n, nil
}

// BenchmarkReader reads one record per op, normalization included.
func BenchmarkReader(b *testing.B) {
	const rows = 20000
	header, body := genAccounts(rows, 1)
	b.Run("Next", func(b *testing.B) {
		r, err := NewReader(&repeater{header: header, body: body, times: -1}, benchMapping, WithMaxRejections(0))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu0, _ := cputime.Used()
		for range b.N {
			if _, err := r.Next(); err != nil {
				b.Fatal(err)
			}
		}
		cpu1, ok := cputime.Used()
		s := r.Summary()
		b.ReportMetric(float64(s.Rows)/b.Elapsed().Seconds(), "rows/s")
		if ok {
			b.ReportMetric(float64(s.Rows)/(cpu1-cpu0).Seconds(), "rows/cpu-s")
		}
		b.ReportMetric(float64(len(body))/rows, "bytes/row")
	})
	// Parse only: decoding, checks and CSV parsing, no normalization: the
	// share of this package in the cost above.
	b.Run("ParseOnly", func(b *testing.B) {
		src, err := open(context.Background(), &repeater{header: header, body: body, times: -1}, newConfig(nil))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu0, _ := cputime.Used()
		for range b.N {
			if _, _, err := src.readRow(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		cpu1, ok := cputime.Used()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		if ok {
			b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "rows/cpu-s")
		}
	})
}

// BenchmarkReaderLargeFile streams a generated CSV of about 512 MiB (no
// temporary file) and reports throughput and the peak heap, which must stay
// flat. It is skipped with -short. Run it alone:
//
//	go test -run '^$' -bench ReaderLargeFile -benchtime 1x ./csvsource/
func BenchmarkReaderLargeFile(b *testing.B) {
	if testing.Short() {
		b.Skip("streams 512 MiB")
	}
	const rows = 20000
	header, body := genAccounts(rows, 2)
	times := (512<<20)/len(body) + 1
	for range b.N {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		baseHeap, baseAlloc, baseMallocs := ms.HeapInuse, ms.TotalAlloc, ms.Mallocs
		var peak uint64
		r, err := NewReader(&repeater{header: header, body: body, times: times}, benchMapping, WithMaxRejections(100))
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		cpu0, _ := cputime.Used()
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if n++; n%200_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		b.StopTimer()
		cpu1, ok := cputime.Used()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		s := r.Summary()
		if s.Rows != rows*times {
			b.Fatalf("%d rows, want %d", s.Rows, rows*times)
		}
		b.ReportMetric(float64(r.BytesRead())/(1<<20), "MiB")
		b.ReportMetric(float64(s.Rows)/b.Elapsed().Seconds(), "rows/s")
		if ok {
			b.ReportMetric(float64(s.Rows)/(cpu1-cpu0).Seconds(), "rows/cpu-s")
		}
		b.ReportMetric(float64(r.BytesRead())/(1<<20)/b.Elapsed().Seconds(), "MiB/s")
		b.ReportMetric(float64(peak-min(peak, baseHeap))/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(ms.TotalAlloc-baseAlloc)/float64(s.Rows), "alloc-B/row")
		b.ReportMetric(float64(ms.Mallocs-baseMallocs)/float64(s.Rows), "allocs/row")
	}
}
