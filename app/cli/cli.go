// Package cli is orderflow's command line: serve, gateway, demo, seed, dlq,
// topics, health, config and version, on spf13/cobra. Each command checks
// its flags, loads the config and calls into the app.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.uber.org/fx"
)

// IO is where a command writes, results to Out and progress and logs to Err,
// and Abort: a context that ends at a second SIGINT or SIGTERM, when a command
// that drains on the first (serve) must stop draining.
type IO struct {
	Out, Err io.Writer
	Abort    context.Context
	// App is added to the app serve builds: the test binary's hooks
	// (MainWith); nothing in the orderflow binary.
	App []fx.Option
}

// Main runs the command line args (without the program name) and returns the
// process exit code: 0 done, 1 failed, 2 not understood (an unknown command
// or flag, a flag's value refused), or the code a command chose (130: a
// second signal cut serve's drain short).
func Main(args []string, stdout, stderr io.Writer) int { return MainWith(args, stdout, stderr) }

// MainWith is Main with app added to the app serve builds: the test
// binary's fault hooks reach the process this way, never through config.
func MainWith(args []string, stdout, stderr io.Writer, app ...fx.Option) int {
	ctx, abort, release := signals()
	defer release()
	cmd, ran, err := execute(ctx, args, IO{Out: stdout, Err: stderr, Abort: abort, App: app})
	var exit exitCode
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return int(exit)
	case errors.As(err, &usage) || !ran:
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), err)
		return 1
	}
}

// execute runs args on a new command tree and returns the command they
// named; ran says whether it got past its flags and arguments, so an error
// without it is a usage error.
func execute(ctx context.Context, args []string, io IO) (cmd *cobra.Command, ran bool, err error) {
	root := newRoot(io)
	root.PersistentPreRun = func(*cobra.Command, []string) { ran = true }
	root.SetArgs(args)
	cmd, err = root.ExecuteContextC(ctx)
	return cmd, ran, err
}

// exitCode ends a command with a code and no further message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// usageError is a command line refused before anything started: a flag's
// value out of range, flags that do not go together. It exits 2.
type usageError struct{ error }

// usagef returns a usageError with a formatted message.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }
