package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas"
)

func newSchemas(io IO, load loader) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schemas",
		Short: "Register the events' JSON Schemas and check a change against the registry",
		Long: `schemas keeps the events' contract (events/schemas/*.json) in the schema
registry at schemas.registry_url (the Confluent-compatible API; Apicurio
Registry's is /apis/ccompat/v7): one subject per event type, named
<topic>-<EventType> (docs/schemas.md).`,
		Example: `  ORDERFLOW_SCHEMAS_REGISTRY_URL=http://127.0.0.1:8085/apis/ccompat/v7 orderflow schemas check
  orderflow schemas register`,
		Args:                       subcommand,
		RunE:                       showHelp,
		SuggestionsMinimumDistance: 2,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "register",
			Short: "Register every event type's schema, under schemas.compatibility",
			Long: `schemas register sets each subject's compatibility level to
schemas.compatibility, then registers the repo's schema as the subject's new
version and prints its ID and version. A schema already registered keeps both
(and a registry does not make an old version latest again); one the level
refuses is not registered, named with what changed, and the command exits 1.`,
			Args: noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return registerSchemas(cmd.Context(), load, io) },
		},
		&cobra.Command{
			Use:   "check",
			Short: "Check the repo's schemas against the registry's latest, before they ship",
			Long: `schemas check asks the registry whether each event type's schema in this
build is compatible with the subject's latest version under
schemas.compatibility, changing nothing, and prints what changed. It exits 1
naming each subject whose change the level refuses (such as a removed
required field under BACKWARD), 0 when every one is compatible or not yet
registered.`,
			Args: noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return checkSchemas(cmd.Context(), load, io) },
		},
	)
	return cmd
}

// registry is how a schemas command starts: the config loaded, then the
// registry it names.
func registry(load loader) (config.Config, *schemas.Registry, error) {
	cfg, err := load()
	if err != nil {
		return cfg, nil, err
	}
	reg, err := schemas.New(cfg.Schemas)
	return cfg, reg, err
}

// registerSchemas registers every event type's schema and prints each
// subject's ID and version.
func registerSchemas(ctx context.Context, load loader, io IO) error {
	cfg, reg, err := registry(load)
	if err != nil {
		return err
	}
	done, err := reg.Register(ctx, schemas.Subjects(cfg.Topics))
	w := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	defer w.Flush()
	for _, r := range done {
		latest := ""
		if r.Latest != r.Version {
			latest = fmt.Sprintf(" (registered before; the latest is version %d)", r.Latest)
		}
		fmt.Fprintf(w, "%s\tid %d, version %d%s\n", r.Subject, r.ID, r.Version, latest)
	}
	return err
}

// checkSchemas prints how each schema stands with the registry and fails
// when one would break its readers.
func checkSchemas(ctx context.Context, load loader, io IO) error {
	cfg, reg, err := registry(load)
	if err != nil {
		return err
	}
	verdicts, err := reg.Check(ctx, schemas.Subjects(cfg.Topics))
	w := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	refused := 0
	for _, v := range verdicts {
		switch {
		case v.Problem != "":
			refused++
			fmt.Fprintf(w, "%s\tREFUSED: %s\n", v.Subject, v.Problem)
		case v.Latest == 0:
			fmt.Fprintf(w, "%s\tnot registered yet\n", v.Subject)
		case len(v.Changes) == 0:
			fmt.Fprintf(w, "%s\tunchanged from version %d\n", v.Subject, v.Latest)
		default:
			fmt.Fprintf(w, "%s\tcompatible with version %d: %s\n", v.Subject, v.Latest, strings.Join(v.Changes, "; "))
		}
	}
	w.Flush()
	if err != nil {
		return err
	}
	if refused > 0 {
		fmt.Fprintf(io.Err, "orderflow schemas check: %d of %d subjects would break their readers under %s\n", refused, len(verdicts), cfg.Schemas.Compatibility)
		return exitCode(1)
	}
	return nil
}
