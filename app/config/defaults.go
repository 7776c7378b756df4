package config

import (
	_ "embed"
	"fmt"
)

// defaultsYAML is every key with its default and what it means: the one
// place defaults are set.
//
//go:embed defaults.yaml
var defaultsYAML []byte

// Default is the configuration a key takes when the config file and the
// environment leave it out: defaults.yaml, compiled in. It decodes the file
// strictly; a test keeps it decodable and valid.
func Default() Config {
	var c Config
	if err := decodeStrict("defaults.yaml", defaultsYAML, &c); err != nil {
		panic(fmt.Sprintf("config: the compiled-in defaults.yaml does not decode: %v", err))
	}
	return c
}

// Defaults is defaults.yaml as compiled in, comments included.
func Defaults() []byte { return append([]byte(nil), defaultsYAML...) }
