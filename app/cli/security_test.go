package cli

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

// A config that does not check the brokers' certificates is named insecure on
// every command that reaches Kafka, before anything is sent.
func TestInsecureSkipVerifyIsWarnedAbout(t *testing.T) {
	t.Chdir(t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the command fails at once
	t.Setenv("ORDERFLOW_KAFKA_EMBEDDED", "false")
	t.Setenv("ORDERFLOW_KAFKA_BROKERS", addr)
	t.Setenv("ORDERFLOW_KAFKA_TLS_ENABLED", "true")
	for _, skip := range []string{"true", "false"} {
		t.Setenv("ORDERFLOW_KAFKA_TLS_INSECURE_SKIP_VERIFY", skip)
		var out bytes.Buffer
		if err := run(context.Background(), IO{Out: &out, Err: &out}, "topics"); err == nil {
			t.Fatalf("topics against %s succeeded", addr)
		}
		warned := strings.Contains(out.String(), "INSECURE: kafka.tls.insecure_skip_verify is set")
		if warned != (skip == "true") {
			t.Errorf("insecure_skip_verify=%s: warned %v; output:\n%s", skip, warned, out.String())
		}
	}
}
