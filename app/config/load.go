package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// EnvPrefix starts every environment override: ORDERFLOW_KAFKA_BROKERS sets kafka.brokers.
const EnvPrefix = "ORDERFLOW_"

// PathEnv names the config file when no --config is given. It is not a key.
const PathEnv = EnvPrefix + "CONFIG"

// DefaultPath is read when neither --config nor ORDERFLOW_CONFIG names a file,
// if it exists: without it the defaults and the environment make the config.
const DefaultPath = "config.yaml"

// Load reads the config file over the defaults, applies environment overrides
// from environ (os.Environ() in production) and validates the result. The
// file is path, else ORDERFLOW_CONFIG, else config.yaml if present; a file
// named by path or ORDERFLOW_CONFIG must exist. flags, a command's own
// options, apply last, over file and environment, so the one validation sees
// what the command will run with. The error lists every problem found, not
// only the first.
func Load(path string, environ []string, flags ...func(*Config)) (Config, error) {
	if path == "" {
		path = lookup(environ, PathEnv)
	}
	if path == "" {
		if _, err := os.Stat(DefaultPath); errors.Is(err, fs.ErrNotExist) {
			return Parse(nil, environ, flags...)
		}
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return parse(path, data, environ, flags...)
}

// lookup returns the value of name in environ, or "".
func lookup(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// Parse is Load for config already in memory.
func Parse(data []byte, environ []string, flags ...func(*Config)) (Config, error) {
	return parse("", data, environ, flags...)
}

// parse is Parse for data read from file ("": none), which its errors name.
func parse(file string, data []byte, environ []string, flags ...func(*Config)) (Config, error) {
	cfg := Default()
	var errs []error
	if err := decodeStrict(file, data, &cfg); err != nil {
		errs = append(errs, err)
	}
	fromFile := secretsIn(&cfg)
	errs = append(errs, applyEnv(&cfg, environ)...)
	if err := resolveSecrets(&cfg, fromFile); err != nil {
		errs = append(errs, err)
	}
	for _, f := range flags {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid config:\n%w", indent(err))
	}
	return cfg, nil
}

func indent(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = "  - " + l
	}
	return errors.New(strings.Join(lines, "\n"))
}
