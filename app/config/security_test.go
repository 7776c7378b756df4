package config_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app/config"
)

const password = "s3cr3t-Pa55"

func TestSASLPasswordSources(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sasl := []string{"ORDERFLOW_KAFKA_EMBEDDED=false", "ORDERFLOW_KAFKA_SASL_MECHANISM=SCRAM-SHA-512", "ORDERFLOW_KAFKA_SASL_USERNAME=orderflow"}
	t.Run("environment", func(t *testing.T) {
		cfg, err := config.Parse(nil, append(sasl, "ORDERFLOW_KAFKA_SASL_PASSWORD="+password))
		if err != nil || cfg.Kafka.SASL.Password.Reveal() != password {
			t.Fatalf("err %v, password %q", err, cfg.Kafka.SASL.Password.Reveal())
		}
	})
	t.Run("file", func(t *testing.T) {
		cfg, err := config.Parse(nil, append(sasl, "ORDERFLOW_KAFKA_SASL_PASSWORD_FILE="+pwFile))
		if err != nil || cfg.Kafka.SASL.Password.Reveal() != password {
			t.Fatalf("err %v, password %q (the file's trailing newline is not part of it)", err, cfg.Kafka.SASL.Password.Reveal())
		}
	})
	for _, tt := range []struct {
		name, file string
		env        []string
		want       []string
	}{
		{"in the config file", "kafka: {sasl: {password: " + password + "}}", sasl,
			[]string{"kafka.sasl.password must not be in the config file"}},
		{"both", "", append(sasl, "ORDERFLOW_KAFKA_SASL_PASSWORD=x", "ORDERFLOW_KAFKA_SASL_PASSWORD_FILE="+pwFile),
			[]string{"both a password (ORDERFLOW_KAFKA_SASL_PASSWORD) and password_file are set"}},
		{"none", "", sasl, []string{"kafka.sasl.password is empty: set ORDERFLOW_KAFKA_SASL_PASSWORD or kafka.sasl.password_file"}},
		{"unreadable file", "", append(sasl, "ORDERFLOW_KAFKA_SASL_PASSWORD_FILE="+filepath.Join(dir, "nope")),
			[]string{"kafka.sasl.password_file: open " + filepath.Join(dir, "nope") + ": no such file or directory"}},
		{"bad mechanism, no user", "", []string{"ORDERFLOW_KAFKA_EMBEDDED=false", "ORDERFLOW_KAFKA_SASL_MECHANISM=SCRAM-SHA-1", "ORDERFLOW_KAFKA_SASL_PASSWORD=" + password},
			[]string{`kafka.sasl.mechanism "SCRAM-SHA-1" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`, "kafka.sasl.username is empty"}},
		{"no mechanism", "", []string{"ORDERFLOW_KAFKA_SASL_USERNAME=orderflow"},
			[]string{"kafka.sasl: username or password set but kafka.sasl.mechanism is empty"}},
		{"embedded", "", append(sasl[1:], "ORDERFLOW_KAFKA_EMBEDDED=true", "ORDERFLOW_KAFKA_SASL_PASSWORD="+password),
			[]string{"kafka.embedded: the embedded broker speaks neither TLS nor SASL"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.file), tt.env)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %q", err)
			}
		})
	}
}

func TestTLSFiles(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		env  []string
		want []string
	}{
		{"missing CA", []string{"ORDERFLOW_KAFKA_TLS_CA_FILE=" + filepath.Join(dir, "none.pem")},
			[]string{"kafka.tls.ca_file: open " + filepath.Join(dir, "none.pem") + ": no such file or directory"}},
		{"CA not PEM", []string{"ORDERFLOW_KAFKA_TLS_CA_FILE=" + notPEM}, []string{"kafka.tls.ca_file " + notPEM + ": no PEM certificate in it"}},
		{"cert without key", []string{"ORDERFLOW_KAFKA_TLS_CERT_FILE=" + notPEM}, []string{"kafka.tls.cert_file and kafka.tls.key_file go together"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse(nil, append(tt.env, "ORDERFLOW_KAFKA_EMBEDDED=false", "ORDERFLOW_KAFKA_TLS_ENABLED=true"))
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v\nwant it to say %q", err, w)
				}
			}
		})
	}
	_, err := config.Parse(nil, []string{"ORDERFLOW_KAFKA_TLS_CA_FILE=" + notPEM})
	if err == nil || !strings.Contains(err.Error(), "kafka.tls.enabled is false") {
		t.Errorf("TLS files without TLS: %v", err)
	}
}

// The password shows nowhere it could be printed: fmt, slog (text and JSON),
// the YAML of `orderflow config`.
func TestPasswordIsNeverPrinted(t *testing.T) {
	cfg, err := config.Parse(nil, []string{"ORDERFLOW_KAFKA_EMBEDDED=false", "ORDERFLOW_KAFKA_SASL_MECHANISM=PLAIN",
		"ORDERFLOW_KAFKA_SASL_USERNAME=orderflow", "ORDERFLOW_KAFKA_SASL_PASSWORD=" + password})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg, "kafka", cfg.Kafka, "password", cfg.Kafka.SASL.Password)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "password", cfg.Kafka.SASL.Password)
	dump, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"%s": fmt.Sprintf("%s", cfg.Kafka.SASL.Password), "slog": logs.String(), "yaml": string(dump),
	} {
		if strings.Contains(out, password) {
			t.Errorf("%s shows the password: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s does not say the password is redacted: %s", name, out)
		}
	}
}

// The console's operator token comes from the environment or a file, never
// the config file, is long enough, and never shows.
func TestConsoleToken(t *testing.T) {
	const token = "0123456789abcdef-console"
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file string
		env        []string
		want       string // the token, or text of the error
	}{
		{"from the environment", "", []string{"ORDERFLOW_CONSOLE_TOKEN=" + token}, token},
		{"from a file", "", []string{"ORDERFLOW_CONSOLE_TOKEN_FILE=" + file}, token},
		{"in the config file", "console: {token: " + token + "}", nil, "console.token must not be in the config file"},
		{"both", "", []string{"ORDERFLOW_CONSOLE_TOKEN=" + token, "ORDERFLOW_CONSOLE_TOKEN_FILE=" + file}, "both a token (ORDERFLOW_CONSOLE_TOKEN) and token_file are set"},
		{"too short", "", []string{"ORDERFLOW_CONSOLE_TOKEN=short"}, "console.token is shorter than 16 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tc.file), tc.env)
			if tc.want == token {
				if err != nil || cfg.Console.Token.Reveal() != token {
					t.Fatalf("err %v, token %q", err, cfg.Console.Token.Reveal())
				}
				if out := fmt.Sprintf("%v %+v", cfg, cfg.Console); strings.Contains(out, token) {
					t.Errorf("the token shows: %s", out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}
