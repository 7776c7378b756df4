package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A command's own flags are validated with the config they join: --embedded
// (serve) and the demo's embedded broker refuse a config with TLS, at once,
// naming the key, before any broker is dialled or started.
func TestFlagsAreValidatedWithTheConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("ORDERFLOW_KAFKA_TLS_ENABLED", "true")
	for name, run := range map[string]func() error{
		"serve --embedded": func() error {
			return Serve(context.Background(), []string{"--embedded"}, IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
		},
		"demo": func() error {
			return Demo(context.Background(), nil, IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
		},
	} {
		err := run()
		if err == nil || !strings.Contains(err.Error(), "kafka.embedded: the embedded broker speaks neither TLS nor SASL") {
			t.Errorf("%s with kafka.tls.enabled: %v, want the embedded-and-TLS problem", name, err)
		}
	}
}
