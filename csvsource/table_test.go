package csvsource_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap/csvsource"
)

func TestTableReader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := "\ufeffsep=;\nEmail ; Name\n ann@acme.com ;Ann\n\n;\nEMAIL;name\nbob@bolt.io;\"Bob\nBo\"\n"
	tr, err := csvsource.NewTableReader(ctx, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"Email", "Name"}, tr.Header()); d != "" {
		t.Errorf("header (-want +got):\n%s", d)
	}
	var got []csvsource.TableRow
	for {
		r, err := tr.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []csvsource.TableRow{
		{Line: 3, Values: []string{"ann@acme.com", "Ann"}},
		{Line: 6, Values: []string{"EMAIL", "name"}, RepeatedHeader: true},
		{Line: 7, Values: []string{"bob@bolt.io", "Bob\nBo"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if tr.Rows() != 3 || !strings.Contains(tr.RepeatedHeaderReason(), "line 2") {
		t.Errorf("Rows %d, reason %q", tr.Rows(), tr.RepeatedHeaderReason())
	}

	// A ragged row stops the reader with the *Error Reader gives.
	tr, err = csvsource.NewTableReader(ctx, strings.NewReader("a,b\n1,2,3\n"), csvsource.WithName("x.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Next(ctx)
	var ce *csvsource.Error
	if !errors.As(err, &ce) || !errors.Is(err, csvsource.ErrRaggedRow) || ce.File != "x.csv" || ce.Line != 2 {
		t.Errorf("ragged row: %v", err)
	}
	if _, again := tr.Next(ctx); !errors.Is(again, csvsource.ErrRaggedRow) {
		t.Errorf("the error is not sticky: %v", again)
	}
	// Not CSV, and a nil context.
	if _, err := csvsource.NewTableReader(ctx, strings.NewReader("")); !errors.Is(err, csvsource.ErrNoHeader) {
		t.Errorf("empty input: %v", err)
	}
	tr, _ = csvsource.NewTableReader(ctx, strings.NewReader("a\n1\n"))
	//lint:ignore SA1012 a nil context is the bad input under test
	if _, err := tr.Next(nil); !errors.Is(err, csvsource.ErrOption) {
		t.Errorf("nil context: %v", err)
	}
}
