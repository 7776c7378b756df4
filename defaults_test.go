package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/testkit"
)

// serve with no config file and no ORDERFLOW_ variables but the gateway's
// records file (serve refuses records kept only in memory) reaches the
// default brokers, 127.0.0.1:9092-9094, and with nothing there exits 1
// within 10 s naming them: it never falls back to an in-memory broker. The test needs
// those ports free: .ci/run runs it before it starts its cluster, with
// ORDERFLOW_TEST_PORTS_FREE=1, where a taken port fails it; elsewhere it skips.
func TestServeWithoutConfigFailsFast(t *testing.T) {
	defaults := []string{"127.0.0.1:9092", "127.0.0.1:9093", "127.0.0.1:9094"}
	for _, addr := range defaults {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			if os.Getenv("ORDERFLOW_TEST_PORTS_FREE") == "1" {
				t.Fatalf("%s answers; this test needs the default broker ports free", addr)
			}
			t.Skipf("%s answers (a cluster runs here); this test needs the default broker ports free", addr)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORDERFLOW_") {
			env = append(env, kv)
		}
	}
	dir := t.TempDir()
	out, err, took, finished := runIn(t, dir, append(env, "ORDERFLOW_GATEWAY_STORE_PATH="+filepath.Join(dir, "gateway.jsonl")), 10*time.Second, "serve")
	if !finished {
		t.Fatalf("serve with no config still running after 10 s:\n%s", out)
	}
	if code := exitCodeOf(err); code != 1 {
		t.Errorf("serve exited %d (%v), want 1:\n%s", code, err, out)
	}
	for _, addr := range defaults {
		if !strings.Contains(out, addr) {
			t.Errorf("the error does not name %s:\n%s", addr, out)
		}
	}
	if strings.Contains(out, "embedded") {
		t.Errorf("serve started an embedded broker:\n%s", out)
	}
	t.Logf("RESULT serve without config: exit 1 in %s: %s", took.Round(100*time.Millisecond), firstLine(out))
}

// demo --keep leaves its broker and pipeline running after the summary, and
// the commands it prints find and replay its dead letters from another
// process; Ctrl-C ends it with 0.
func TestDemoKeep(t *testing.T) {
	demo, out := orderflow(t, []string{"ORDERFLOW_RETRY_INITIAL_INTERVAL=5ms"}, "demo", "--keep", "--count", "30", "--poison", "2", "--fail", "1", "--panic", "1")
	env := awaitOutput(t, out, `(ORDERFLOW_KAFKA_BROKERS=\S+) go run \. dlq list`, 2*time.Minute)
	var dead []string
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 3 && strings.HasPrefix(f[0], "ord-") {
			dead = append(dead, f[0])
		}
	}
	if len(dead) != 4 {
		t.Fatalf("demo's summary lists %d dead letters, want 4:\n%s", len(dead), out)
	}
	list := run(t, []string{env}, "dlq", "list")
	for _, id := range dead {
		if !strings.Contains(list, id) {
			t.Errorf("dlq list against the kept demo lacks %s:\n%s", id, list)
		}
	}
	replayed := run(t, []string{env}, "dlq", "replay", "--kind", "retries_exhausted", "--all")
	if !strings.Contains(replayed, "1 replayed, 0 refused") {
		t.Errorf("dlq replay against the kept demo: %s", replayed)
	}
	if err := demo.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- demo.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo --keep after Ctrl-C: %v\n%s", err, out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("demo --keep still running 30 s after Ctrl-C")
	}
}

// runIn runs the command line as a process in dir with exactly env, and waits
// for it up to bound; finished is false if it was still running then.
func runIn(t *testing.T, dir string, env []string, bound time.Duration, args ...string) (out string, err error, took time.Duration, finished bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Dir, cmd.Env = dir, append(env, "RUN_ORDERFLOW_MAIN=1")
	start := time.Now()
	b, err := cmd.CombinedOutput()
	return string(b), err, time.Since(start), ctx.Err() == nil
}

func exitCodeOf(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// awaitOutput waits up to within for a process's output to match pattern and
// returns the pattern's first group.
func awaitOutput(t *testing.T, out *bytes.Buffer, pattern string, within time.Duration) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var got string
	if !testkit.Eventually(within, func() bool {
		m := re.FindStringSubmatch(out.String())
		if m != nil {
			got = m[1]
		}
		return m != nil
	}) {
		t.Fatalf("no %q in the output within %s:\n%s", pattern, within, out)
	}
	return got
}
