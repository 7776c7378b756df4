package cli

import (
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app/config"
)

// Config prints the configuration in effect (file, environment and defaults
// merged, validated) as YAML, or with --defaults every key's default with
// what it means.
func Config(_ context.Context, args []string, io IO) error {
	fs, load := flags("config", io)
	defaults := fs.Bool("defaults", false, "print every key's default, with comments, instead")
	fs.Usage = func() {
		fmt.Fprintln(io.Err, "Usage: orderflow config [--config FILE] [--defaults]")
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
	enc := yaml.NewEncoder(io.Out)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return enc.Close()
}
