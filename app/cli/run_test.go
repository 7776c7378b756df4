package cli

import "context"

// run runs the command line args as Main does, and returns the command's
// error rather than an exit code.
func run(ctx context.Context, io IO, args ...string) error {
	_, _, err := execute(ctx, args, io)
	return err
}
