package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

var (
	// code is the code in a Markdown page: fenced blocks and inline spans.
	code = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```|`([^`\n]+)`")
	// invocation is orderflow run as a command (orderflow, bin/orderflow,
	// /orderflow, go run .) and the rest of its line.
	invocation = regexp.MustCompile(`(?m)(?:^|[\s(])(?:\S*/)?(?:orderflow|go run \.)((?:[ \t]+[^\s|#;&)]+)*)`)
)

// Every command and flag README, CHANGELOG and docs/ show orderflow run with
// exists.
func TestDocumentedCommandsAndFlagsExist(t *testing.T) {
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	root := newRoot(IO{})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	checked := 0
	for _, page := range append(pages, "../../README.md", "../../CHANGELOG.md") {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range code.FindAllStringSubmatch(string(text), -1) {
			for _, inv := range invocation.FindAllStringSubmatch(m[1]+m[2], -1) {
				words := strings.Fields(inv[1])
				if !invoked(root, words) {
					continue // prose (orderflow replicas), another tool's argument (helm … orderflow --set), or output (orderflow dlq list: …)
				}
				checked++
				if problem := checkInvocation(root, words); problem != "" {
					t.Errorf("%s: `orderflow %s`: %s", filepath.Base(page), strings.Join(words, " "), problem)
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("checked %d invocations in the docs: the pattern finds too few", checked)
	}
}

// invoked says whether words, what follows "orderflow" in the docs, is the
// command line of a run: a command, or --help or --version, and no error
// message ("orderflow dlq list: --kind …").
func invoked(root *cobra.Command, words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if strings.HasSuffix(w, ":") {
			return false
		}
	}
	switch words[0] {
	case "--help", "-h", "--version":
		return true
	}
	for _, c := range root.Commands() {
		if c.Name() == words[0] {
			return true
		}
	}
	return false
}

// checkInvocation says what in words (an invocation's arguments) names no
// command or flag, or "".
func checkInvocation(root *cobra.Command, words []string) string {
	var path []string
	for _, w := range words {
		if strings.HasPrefix(w, "-") || w == "…" || w == "..." {
			break
		}
		path = append(path, w)
	}
	cmd, rest, err := root.Find(path)
	if err != nil {
		return err.Error()
	}
	if len(rest) > 0 && cmd.HasSubCommands() {
		return "no command " + strings.Join(rest, " ")
	}
	for _, w := range words[len(path):] {
		name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
		switch {
		case w == "--help" || w == "-h" || (w == "--version" && cmd == root):
		case strings.HasPrefix(w, "--") && cmd.Flags().Lookup(name) == nil && cmd.InheritedFlags().Lookup(name) == nil:
			return "no flag " + w
		case strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && len(name) > 1:
			return "a long flag with one dash: " + w
		}
	}
	return ""
}
