package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A command's own flags are validated with the config they join: --embedded
// (serve) and the demo's embedded broker refuse a config with TLS, at once,
// naming the key, before any broker is dialled or started.
func TestFlagsAreValidatedWithTheConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("ORDERFLOW_KAFKA_TLS_ENABLED", "true")
	for name, run := range map[string]func() error{
		"serve --embedded": func() error {
			return run(context.Background(), IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, "serve", "--embedded")
		},
		"demo": func() error {
			return run(context.Background(), IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, "demo")
		},
	} {
		err := run()
		if err == nil || !strings.Contains(err.Error(), "kafka.embedded: the embedded broker speaks neither TLS nor SASL") {
			t.Errorf("%s with kafka.tls.enabled: %v, want the embedded-and-TLS problem", name, err)
		}
	}
}

// serve refuses to keep the gateway's idempotency records only in memory,
// naming both ways out, before it dials a broker; the gateway command refuses
// to run without its records file. demo keeps the in-memory simulator
// (TestDemo).
func TestServeAndGatewayRefuseRecordsInMemory(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("ORDERFLOW_KAFKA_BROKERS", "127.0.0.1:1") // never dialled (nothing answers there)
	for name, want := range map[string]string{
		"serve":   "gateway.url and gateway.store_path are both empty",
		"gateway": "gateway.store_path is empty",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx, IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Abort: ctx}, name)
		cancel()
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("%s with neither: %v; want a config error saying %q, no broker dialled", name, err, want)
		}
	}
}
