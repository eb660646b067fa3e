package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFourLines runs the README's four lines, read from it, from the root of
// the repository, and checks the matrix the README shows.
func TestFourLines(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := codeBlocks(string(b)[strings.Index(string(b), "## The CLI in four lines"):])
	if len(blocks) < 2 {
		t.Fatal("README: the four lines and their output are not found")
	}
	lines := strings.Split(strings.TrimSpace(blocks[0]), "\n")
	if len(lines) != 4 {
		t.Fatalf("README: %d lines, not four:\n%s", len(lines), blocks[0])
	}
	r := newBinRunner(t, "ACCTMAP_WORKSPACE="+filepath.Join(t.TempDir(), "four.db"))
	r.dir = filepath.Join("..", "..")
	var out string
	for _, line := range lines {
		args := shellWords(t, line)
		if args[0] != "acctmap" {
			t.Fatalf("README line %q does not run acctmap", line)
		}
		out = ok(t, r, args[1:]...)
	}
	if want := strings.TrimSpace(blocks[1]); !strings.HasPrefix(out, want+"\n") {
		t.Errorf("the README shows\n%s\nthe command prints\n%s", want, out)
	}

	// The repository's README shows the same four commands.
	top, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(top), "## Without writing Go")
	if at < 0 {
		t.Fatal(`README.md: no "Without writing Go" section`)
	}
	topLines := strings.Split(strings.TrimSpace(codeBlocks(string(top)[at:])[0]), "\n")
	if len(topLines) != len(lines) {
		t.Fatalf("README.md shows %d lines, cmd/acctmap/README.md %d", len(topLines), len(lines))
	}
	for i := range lines {
		if got, want := strings.Join(shellWords(t, topLines[i]), " "), strings.Join(shellWords(t, lines[i]), " "); got != want {
			t.Errorf("README.md line %d runs %q; cmd/acctmap/README.md runs %q", i+1, got, want)
		}
	}
}

// codeBlocks returns the contents of the fenced code blocks of markdown.
func codeBlocks(md string) []string {
	var out []string
	parts := strings.Split(md, "```")
	for i := 1; i < len(parts); i += 2 {
		body := parts[i]
		if nl := strings.IndexByte(body, '\n'); nl >= 0 {
			body = body[nl+1:] // the info string ("sh")
		}
		out = append(out, body)
	}
	return out
}

// shellWords splits a command line as a POSIX shell would, for the README's
// simple lines: words, double and single quotes.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"' || c == '\'':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				t.Fatalf("unbalanced quote in %q", line)
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#':
			if !inWord {
				i = len(line)
				continue
			}
			cur.WriteByte(c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
