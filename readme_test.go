package acctmap_test

import (
	"os"
	"strings"
	"testing"
)

// The README's "Using it" code is Example_usingIt's body, which go test
// compiles and runs: the README shows code that works.
func TestReadmeUsingItCompiles(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(src), "func Example_usingIt() {\n")
	body, _, _ = strings.Cut(body, "\t// Output:")
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	_, section, _ := strings.Cut(string(readme), "## Using it\n")
	_, block, _ := strings.Cut(section, "```go\n")
	block, _, _ = strings.Cut(block, "```\n")
	if want := strings.Join(lines, "\n") + "\n"; block != want {
		t.Errorf("README's \"Using it\" differs from Example_usingIt's body; paste it again.\nREADME:\n%s\nExample:\n%s", block, want)
	}
}
