package testkit

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/config"
)

// NeedKcat skips t without kcat, or fails it under CI=true.
func NeedKcat(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("kcat"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not installed (apt-get install kcat)")
		}
		t.Skip("kcat is not installed (apt-get install kcat)")
	}
}

// Kcat runs kcat against brokers with stdin and returns what it printed.
func Kcat(t testing.TB, brokers []string, stdin []byte, args ...string) string {
	t.Helper()
	NeedKcat(t)
	cmd := exec.Command("kcat", append([]string{"-b", strings.Join(brokers, ",")}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	// stdout only: librdkafka logs a broker it cannot reach yet (one
	// restarting) on stderr, and goes on with the others.
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		out = append(out, stderr.Bytes()...)
		shown := make([]string, len(args))
		for i, a := range args {
			if k, _, ok := strings.Cut(a, "="); ok && k == "sasl.password" {
				a = k + "=[redacted]"
			}
			shown[i] = a
		}
		t.Fatalf("kcat %v: %v\n%s", shown, err, out)
	}
	return string(out)
}

// KcatRecord is one record as kcat prints it.
type KcatRecord struct {
	Key, Value string
	Headers    map[string]string
}

// KcatRead reads topic to its end with kcat, keys and headers included: a
// reader other than orderflow's own. extra go first (-X security settings).
func KcatRead(t testing.TB, brokers []string, topic string, extra ...string) []KcatRecord {
	t.Helper()
	out := Kcat(t, brokers, nil, append(extra, "-C", "-t", topic, "-e", "-q", "-J")...)
	var recs []KcatRecord
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			Key, Payload *string
			Headers      []string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("kcat -J line %q: %v", line, err)
		}
		rec := KcatRecord{Headers: map[string]string{}}
		if r.Key != nil {
			rec.Key = *r.Key
		}
		if r.Payload != nil {
			rec.Value = *r.Payload
		}
		for i := 0; i+1 < len(r.Headers); i += 2 {
			rec.Headers[r.Headers[i]] = r.Headers[i+1]
		}
		recs = append(recs, rec)
	}
	return recs
}

// KcatSecurity are kcat's -X settings for k's TLS and SASL (none without).
func KcatSecurity(k config.Kafka) []string {
	var x []string
	switch {
	case k.TLS.Enabled && k.SASL.Mechanism != "":
		x = append(x, "-X", "security.protocol=SASL_SSL")
	case k.TLS.Enabled:
		x = append(x, "-X", "security.protocol=SSL")
	case k.SASL.Mechanism != "":
		x = append(x, "-X", "security.protocol=SASL_PLAINTEXT")
	}
	if k.TLS.CAFile != "" {
		x = append(x, "-X", "ssl.ca.location="+k.TLS.CAFile)
	}
	if k.SASL.Mechanism != "" {
		// PLAIN over TLS: the secured local cluster takes it for the same users,
		// and Debian's librdkafka 2.0.2 fails SCRAM against Kafka 4.3.1 ("invalid
		// credentials" for credentials Sarama and Kafka's own tools log in with).
		x = append(x, "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username="+k.SASL.Username, "-X", "sasl.password="+k.SASL.Password.Reveal())
	}
	return x
}
