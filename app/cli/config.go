package cli

import (
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app/config"
)

// Config prints the configuration in effect (file, environment and defaults
// merged, validated) as YAML; with --env as the ORDERFLOW_ variables that
// make it from the defaults (for a container or another process); with
// --defaults every key's default with what it means.
func Config(_ context.Context, args []string, io IO) error {
	fs, load := flags("config", io)
	defaults := fs.Bool("defaults", false, "print every key's default, with comments, instead")
	asEnv := fs.Bool("env", false, "print the ORDERFLOW_ variables that make this config from the defaults (a SASL password as it is)")
	fs.Usage = func() {
		fmt.Fprintln(io.Err, "Usage: orderflow config [--config FILE] [--defaults | --env]")
		fs.PrintDefaults()
	}
	cfg, err := load(args)
	if err != nil {
		return err
	}
	if *defaults {
		_, err := io.Out.Write(config.Defaults())
		return err
	}
	if *asEnv {
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
