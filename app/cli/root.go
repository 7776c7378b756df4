package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/config"
)

// newRoot returns the command tree, writing to io. Every command takes
// --config; cobra adds help and completion.
func newRoot(io IO) *cobra.Command {
	var path string
	load := func(set ...func(*config.Config)) (config.Config, error) {
		return config.Load(path, os.Environ(), set...)
	}
	root := &cobra.Command{
		Use:   "orderflow",
		Short: "An event-driven order pipeline on Kafka",
		Long: `orderflow is an event-driven order pipeline on Kafka:
orders → payments → shipments + notifications, and a dead-letter topic for
what cannot be processed.

Every command takes --config FILE (default $` + config.PathEnv + `, else ` + config.DefaultPath + ` if
present, else the defaults); ORDERFLOW_* variables override its keys
(docs/configuration.md).`,
		Example: `  orderflow demo                     # zero setup: embedded broker, pipeline, seeded orders, summary
  orderflow serve --embedded         # the pipeline on an in-memory broker, until Ctrl-C
  orderflow seed --count 200 --fail 3
  orderflow dlq triage`,
		Version:                    version(),
		Args:                       subcommand,
		RunE:                       showHelp,
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
	}
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpCommand(newHelp(root))
	root.PersistentFlags().StringVar(&path, "config", "",
		"config `file` (default $"+config.PathEnv+", else "+config.DefaultPath+" if present)")
	root.AddCommand(
		newServe(io, load),
		newGateway(io, load),
		newDemo(io, load),
		newSeed(io, load),
		newDLQ(io, load),
		newTopics(io, load),
		newSchemas(io, load),
		newHealth(io, load),
		newConfig(io, load),
		newVersion(io),
	)
	return root
}

// loader loads the config the command line names, with the command's own
// settings (set, from its flags) applied before it is validated.
type loader func(set ...func(*config.Config)) (config.Config, error)
