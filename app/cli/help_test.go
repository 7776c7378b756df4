package cli

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commands lists every command in the tree, cobra's help and completion
// included, by their arguments (root: none).
func commands(t *testing.T) [][]string {
	t.Helper()
	root := newRoot(IO{})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var all [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		all = append(all, path)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub, append(append([]string{}, path...), sub.Name()))
			}
		}
	}
	walk(root, nil)
	if len(all) < 15 {
		t.Fatalf("found %d commands, want every one: %v", len(all), all)
	}
	return all
}

// runMain runs the command line as the process does.
func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = Main(args, &out, &errs)
	return code, out.String(), errs.String()
}

// Every command's help is on stdout with exit 0 however it is asked for, and
// shows its own usage line.
func TestHelpOfEveryCommand(t *testing.T) {
	for _, path := range commands(t) {
		name := strings.Join(append([]string{"orderflow"}, path...), " ")
		for _, args := range [][]string{
			append(append([]string{}, path...), "--help"),
			append(append([]string{}, path...), "-h"),
			append([]string{"help"}, path...),
		} {
			code, out, errs := runMain(args...)
			if code != 0 || errs != "" || !strings.Contains(out, "Usage:\n  "+name) {
				t.Errorf("orderflow %s: exit %d, stderr %q, want 0 and %q's usage on stdout:\n%s",
					strings.Join(args, " "), code, errs, name, out)
			}
		}
	}
}

// A misspelled flag exits 2 naming the command and the flag it most likely
// meant, of its own or those it inherits (--config).
func TestFlagMisspelledOnEveryCommand(t *testing.T) {
	for _, path := range commands(t) {
		name := strings.Join(append([]string{"orderflow"}, path...), " ")
		flag := firstFlag(t, path)
		typo := flag[:1] + "x" + flag[1:]
		args := append(append([]string{}, path...), "--"+typo)
		code, out, errs := runMain(args...)
		want := name + ": unknown flag --" + typo + "; did you mean --" + flag + "?\n"
		if code != 2 || out != "" || !strings.HasPrefix(errs, want) {
			t.Errorf("orderflow %s: exit %d, stdout %q, stderr %q; want 2 and %q", strings.Join(args, " "), code, out, errs, want)
		}
	}
}

// firstFlag returns the first of the command's own flags, or --config.
func firstFlag(t *testing.T, path []string) string {
	t.Helper()
	root := newRoot(IO{})
	root.InitDefaultCompletionCmd()
	c, _, err := root.Find(path)
	if err != nil {
		t.Fatal(err)
	}
	name := "config"
	found := false
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !found && f.Name != "help" {
			name, found = f.Name, true
		}
	})
	return name
}

func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		give []string
		want string
	}{
		{give: []string{"seed", "--cuont", "5"}, want: "orderflow seed: unknown flag --cuont; did you mean --count?\nRun 'orderflow seed --help' for usage.\n"},
		{give: []string{"seed", "-count", "5"}, want: "orderflow seed: unknown flag -count: flags take two dashes: --count\n"},
		{give: []string{"seed", "--count", "abc"}, want: "orderflow seed: --count: \"abc\" is not a whole number\n"},
		{give: []string{"health", "--timeout", "5"}, want: "orderflow health: --timeout: \"5\" is not a duration (such as 90s, 2m or 1h30m)\n"},
		{give: []string{"dlq", "list", "--since", "yesterday"}, want: "orderflow dlq list: --since: \"yesterday\" is neither an RFC 3339 time"},
		{give: []string{"sevre"}, want: "orderflow: unknown command \"sevre\"; did you mean \"serve\"?\nRun 'orderflow --help' for usage.\n"},
		{give: []string{"dlq", "lst"}, want: "orderflow dlq: unknown command \"lst\"; did you mean \"list\"?\n"},
		{give: []string{"help", "sevre"}, want: "orderflow help: unknown command \"sevre\"; did you mean \"serve\"?\n"},
		{give: []string{"help", "dlq", "lst"}, want: "orderflow help: unknown command \"lst\"; did you mean \"list\"?\n"},
		{give: []string{"topics", "extra"}, want: "orderflow topics: unexpected argument \"extra\": orderflow topics takes only flags\n"},
		{give: []string{"config", "--defaults", "--env"}, want: "orderflow config: --defaults and --env do not go together: choose one\n"},
		{give: []string{"dlq", "replay"}, want: "orderflow dlq replay: choose what to replay: --id UUID… or --all (with optional filters)\n"},
	} {
		code, out, errs := runMain(tt.give...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, tt.want) {
			t.Errorf("orderflow %s: exit %d, stdout %q, stderr %q; want 2 and %q", strings.Join(tt.give, " "), code, out, errs, tt.want)
		}
	}
}

// version and --version print the same line on stdout.
func TestVersion(t *testing.T) {
	_, byCmd, _ := runMain("version")
	code, byFlag, errs := runMain("--version")
	if code != 0 || errs != "" || byCmd != byFlag || !strings.HasPrefix(byFlag, "orderflow ") {
		t.Errorf("version %q, --version %q (exit %d, stderr %q): want the same line", byCmd, byFlag, code, errs)
	}
}

func TestDescribeBuild(t *testing.T) {
	for _, tt := range []struct {
		give debug.BuildInfo
		want string
	}{
		{
			give: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.1.0"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "7bb0420d"}, {Key: "vcs.time", Value: "2026-12-06T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			want: "orderflow v0.1.0 (revision 7bb0420d, committed 2026-12-06T10:00:00Z, modified) go1.26.8 ",
		},
		{
			give: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "7bb0420d"}, {Key: "vcs.modified", Value: "false"}}},
			want: "orderflow (devel) (revision 7bb0420d) go1.26.8 ",
		},
		{
			give: debug.BuildInfo{GoVersion: "go1.26.8"},
			want: "orderflow (devel) (no VCS information: built outside git, or with -buildvcs=false) go1.26.8 ",
		},
	} {
		if got := describe(&tt.give); !strings.HasPrefix(got, tt.want) {
			t.Errorf("describe(%+v) = %q, want %q…", tt.give, got, tt.want)
		}
	}
}
