package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
)

// TLS encrypts the connection to the brokers and checks their certificates.
type TLS struct {
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the certificate authorities the brokers'
	// certificates are checked against; empty: the system's.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate and its key (PEM), for
	// brokers that authenticate clients by certificate (mutual TLS).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the brokers' certificates must carry, when it is
	// not the host they are dialled by.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any certificate: the connection is encrypted
	// but the brokers are not authenticated. For a test cluster only; serve
	// warns at start.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SASL authenticates orderflow to the brokers.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty: no SASL.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// Password comes from ORDERFLOW_KAFKA_SASL_PASSWORD or PasswordFile, never
	// from a config file (which ships inside images).
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
}

// Mechanisms are the SASL mechanisms orderflow speaks.
var Mechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// Secret is a string that never shows: in logs, errors, %v and the config
// dump it is "[redacted]" (or "" when empty). Reveal gives the value.
type Secret string

// Reveal returns the secret itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML hides the secret from the config dump.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON hides the secret from JSON.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (t TLS) validate() error {
	var errs []error
	files := t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.InsecureSkipVerify
	if !t.Enabled {
		if files {
			errs = append(errs, errors.New("kafka.tls: ca_file, cert_file, key_file, server_name or insecure_skip_verify set but kafka.tls.enabled is false"))
		}
		return errors.Join(errs...)
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, errors.New("kafka.tls.cert_file and kafka.tls.key_file go together: set both or neither"))
	}
	if _, err := t.ClientConfig(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ClientConfig is the TLS configuration for the brokers, read from the files
// named; nil when TLS is off.
func (t TLS) ClientConfig() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // named insecure, warned about at start
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka.tls.ca_file: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka.tls.ca_file %s: no PEM certificate in it", t.CAFile)
		}
	}
	if t.CertFile != "" && t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			// The error names the files and what is wrong, never the key's bytes.
			return nil, fmt.Errorf("kafka.tls.cert_file/key_file: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

func (s SASL) validate() error {
	var errs []error
	if s.Mechanism == "" {
		if s.Username != "" || s.Password != "" || s.PasswordFile != "" {
			errs = append(errs, errors.New("kafka.sasl: username or password set but kafka.sasl.mechanism is empty (one of "+strings.Join(Mechanisms, ", ")+")"))
		}
		return errors.Join(errs...)
	}
	if !slices.Contains(Mechanisms, s.Mechanism) {
		errs = append(errs, fmt.Errorf("kafka.sasl.mechanism %q is not one of %s", s.Mechanism, strings.Join(Mechanisms, ", ")))
	}
	if s.Username == "" {
		errs = append(errs, errors.New("kafka.sasl.username is empty"))
	}
	if s.Password == "" {
		errs = append(errs, errors.New("kafka.sasl.password is empty: set ORDERFLOW_KAFKA_SASL_PASSWORD or kafka.sasl.password_file"))
	}
	return errors.Join(errs...)
}

// secretsIn takes the secrets a config file set out of cfg, before the
// environment applies, and returns them: resolveSecrets refuses them.
func secretsIn(cfg *Config) fileSecrets {
	f := fileSecrets{sasl: cfg.Kafka.SASL.Password, console: cfg.Console.Token}
	cfg.Kafka.SASL.Password, cfg.Console.Token = "", ""
	return f
}

// fileSecrets are the secrets a config file set: each is refused.
type fileSecrets struct{ sasl, console Secret }

// resolveSecrets reads kafka.sasl.password_file and console.token_file into
// their secrets. A secret in the config file itself is refused: the file is
// baked into images.
func resolveSecrets(cfg *Config, fromFile fileSecrets) error {
	var errs []error
	if fromFile.sasl != "" {
		errs = append(errs, errors.New("kafka.sasl.password must not be in the config file (it ships inside images): set ORDERFLOW_KAFKA_SASL_PASSWORD or kafka.sasl.password_file"))
	}
	if fromFile.console != "" {
		errs = append(errs, errors.New("console.token must not be in the config file (it ships inside images): set ORDERFLOW_CONSOLE_TOKEN or console.token_file"))
	}
	s := &cfg.Kafka.SASL
	if s.PasswordFile != "" {
		if s.Password != "" {
			errs = append(errs, errors.New("kafka.sasl: both a password (ORDERFLOW_KAFKA_SASL_PASSWORD) and password_file are set: give one"))
		} else if data, err := os.ReadFile(s.PasswordFile); err != nil {
			errs = append(errs, fmt.Errorf("kafka.sasl.password_file: %w", err))
		} else {
			s.Password = Secret(strings.TrimRight(string(data), "\r\n"))
		}
	}
	c := &cfg.Console
	if c.TokenFile != "" {
		if c.Token != "" {
			errs = append(errs, errors.New("console: both a token (ORDERFLOW_CONSOLE_TOKEN) and token_file are set: give one"))
		} else if data, err := os.ReadFile(c.TokenFile); err != nil {
			errs = append(errs, fmt.Errorf("console.token_file: %w", err))
		} else {
			c.Token = Secret(strings.TrimSpace(string(data)))
		}
	}
	return errors.Join(errs...)
}
