package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orderflow/orderflow/app/suggest"
)

// showHelp is a command group's run without a subcommand: its help.
func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// newHelp is "help [command]": cobra's, but a topic that names no command
// is refused (exit 2) with the nearest, not answered with the root's help.
func newHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "help prints a command's description, examples and flags: orderflow help dlq list.",
		RunE: func(_ *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err == nil && len(rest) > 0 {
				err = subcommand(cmd, rest)
			}
			if err != nil {
				return err
			}
			return cmd.Help()
		},
	}
}

// subcommand refuses an argument to a command group that names none of its
// commands, suggesting the nearest (cobra checks only the root's).
func subcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		return usagef("unknown command %q; did you mean %q?", args[0], near[0])
	}
	return usagef("unknown command %q", args[0])
}

// noArgs refuses arguments to a command that takes only flags.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q: %s takes only flags", args[0], cmd.CommandPath())
	}
	return nil
}

// flagError says what was wrong with a flag in the user's words: an unknown
// flag with the nearest of the command's flags, a long flag written with one
// dash (Go's flag package style), a value of the wrong kind.
func flagError(cmd *cobra.Command, err error) error {
	var unknown *pflag.NotExistError
	var invalid *pflag.InvalidValueError
	switch {
	case errors.As(err, &unknown):
		name, given := unknown.GetSpecifiedName(), "--"+unknown.GetSpecifiedName()
		if short := unknown.GetSpecifiedShortnames(); short != "" {
			if cmd.Flags().Lookup(short) != nil {
				return usagef("unknown flag -%s: flags take two dashes: --%s", short, short)
			}
			name, given = short, "-"+short
		}
		if near, ok := suggest.Nearest(name, flagNames(cmd)); ok {
			return usagef("unknown flag %s; did you mean --%s?", given, near)
		}
		return usagef("unknown flag %s", given)
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return usagef("--%s: %s", f.Name, notA(f.Value.Type(), invalid.GetValue(), invalid.Unwrap()))
	}
	return usageError{err}
}

// notA says why value is not one of a flag's type.
func notA(typ, value string, cause error) string {
	switch typ {
	case "int":
		return fmt.Sprintf("%q is not a whole number", value)
	case "float64":
		return fmt.Sprintf("%q is not a number", value)
	case "duration":
		return fmt.Sprintf("%q is not a duration (such as 90s, 2m or 1h30m)", value)
	case "bool":
		return fmt.Sprintf("%q is not true or false", value)
	}
	return cause.Error()
}

// flagNames lists the flags cmd takes, its own and those it inherits.
func flagNames(cmd *cobra.Command) []string {
	var names []string
	add := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	return names
}
