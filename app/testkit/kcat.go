package testkit

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
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
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kcat %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// KcatRecord is one record as kcat prints it.
type KcatRecord struct {
	Key, Value string
	Headers    map[string]string
}

// KcatRead reads topic to its end with kcat, keys and headers included: a
// reader other than orderflow's own.
func KcatRead(t testing.TB, brokers []string, topic string) []KcatRecord {
	t.Helper()
	out := Kcat(t, brokers, nil, "-C", "-t", topic, "-e", "-q", "-J")
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
