package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app/config"
)

func newConfig(io IO, load loader) *cobra.Command {
	var defaults, asEnv bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the configuration in effect",
		Long: `config prints the configuration in effect (the file, the ORDERFLOW_*
environment and the defaults merged, then validated) as YAML; with --env as
the ORDERFLOW_ variables that make it from the defaults (for a container or
another process); with --defaults every key's default with what it means.`,
		Example: `  orderflow config
  orderflow config --defaults
  orderflow config --config prod.yaml --env`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			if defaults && asEnv {
				return usagef("--defaults and --env do not go together: choose one")
			}
			return printConfig(load, defaults, asEnv, io)
		},
	}
	cmd.Flags().BoolVar(&defaults, "defaults", false, "print every key's default, with comments, instead")
	cmd.Flags().BoolVar(&asEnv, "env", false, "print the ORDERFLOW_ variables that make this config from the defaults (a SASL password as it is)")
	return cmd
}

// printConfig prints the configuration in effect as YAML, as environment
// variables (asEnv), or every key's default (defaults).
func printConfig(load loader, defaults, asEnv bool, io IO) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	if defaults {
		_, err := io.Out.Write(config.Defaults())
		return err
	}
	if asEnv {
		for _, kv := range config.Environ(cfg) {
			fmt.Fprintln(io.Out, kv)
		}
		return nil
	}
	enc := yaml.NewEncoder(io.Out)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return enc.Close()
}
