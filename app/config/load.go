package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override: ORDERFLOW_KAFKA_BROKERS sets kafka.brokers.
const EnvPrefix = "ORDERFLOW_"

// Load reads path over the defaults, applies environment overrides from
// environ (os.Environ() in production) and validates the result. The error
// lists every problem found, not only the first.
func Load(path string, environ []string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, environ)
}

// Parse is Load for config already in memory.
func Parse(data []byte, environ []string) (Config, error) {
	cfg := Default()
	var errs []error
	if err := decodeStrict(data, &cfg); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, applyEnv(&cfg, environ)...)
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid config:\n%w", indent(err))
	}
	return cfg, nil
}

// decodeStrict rejects unknown keys and malformed values. yaml.v3 reports all
// type errors of a document in one TypeError; each becomes one problem.
func decodeStrict(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, len(te.Errors))
		for i, e := range te.Errors {
			errs[i] = errors.New(strings.TrimPrefix(e, "yaml: "))
		}
		return errors.Join(errs...)
	}
	return err
}

func indent(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = "  - " + l
	}
	return errors.New(strings.Join(lines, "\n"))
}
