package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/testkit"
)

// lockedBuffer is a bytes.Buffer a command writes while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The two-terminal flow on free ports, beside whatever holds 127.0.0.1:9092
// (held here if nothing else holds it): serve --embedded on port 0 prints the
// line terminal 2 needs and the console's URL, and seed and dlq list reach
// its broker with it.
func TestServeEmbeddedOnFreePorts(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.1:9092"); err == nil {
		defer ln.Close()
	}
	t.Chdir(t.TempDir())
	t.Setenv("ORDERFLOW_KAFKA_BROKERS", "127.0.0.1:0,127.0.0.1:0,127.0.0.1:0")
	t.Setenv("ORDERFLOW_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ORDERFLOW_GATEWAY_STORE_PATH", filepath.Join(t.TempDir(), "gateway.jsonl"))
	t.Setenv("ORDERFLOW_LOGGING_LEVEL", "error")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var out, errs lockedBuffer
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, IO{Out: &out, Err: &errs, Abort: context.Background()}, "serve", "--embedded", "--inject-faults")
	}()

	line := regexp.MustCompile(`^export ORDERFLOW_KAFKA_BROKERS=(\S+)  # then seed, dlq \.\.\.; the console: (http://127\.0\.0\.1:\d+/console/)\n$`)
	var m []string
	testkit.WaitFor(t, time.Minute, "serve prints where its broker is", func() (bool, string) {
		m = line.FindStringSubmatch(out.String())
		return m != nil, "stdout: " + out.String() + "\nstderr: " + errs.String()
	})
	if strings.Contains(m[1], ":9092") {
		t.Fatalf("serve took port 9092 (%s) though kafka.brokers asked for free ports", m[1])
	}
	resp, err := http.Get(m[2])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s", m[2], resp.Status)
	}

	t.Setenv("ORDERFLOW_KAFKA_BROKERS", m[1]) // terminal 2
	if code, out, errs := runMain("seed", "--count", "5", "--poison", "1"); code != 0 || !strings.HasPrefix(out, "seeded 5 orders to orders") {
		t.Fatalf("seed: exit %d\n%s%s", code, out, errs)
	}
	testkit.WaitFor(t, time.Minute, "dlq list shows the poison order", func() (bool, string) {
		code, out, errs := runMain("dlq", "list")
		return code == 0 && strings.HasSuffix(out, "\n1 dead letters in dlq\n"), out + errs
	})
	stop()
	if err := <-served; err != nil {
		t.Errorf("serve after its context ended: %v", err)
	}
}

// A port in use is refused naming the setting that moves it.
func TestServeSaysWhichSettingMovesAPortInUse(t *testing.T) {
	t.Chdir(t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	t.Setenv("ORDERFLOW_GATEWAY_STORE_PATH", filepath.Join(t.TempDir(), "gateway.jsonl"))
	t.Setenv("ORDERFLOW_LOGGING_LEVEL", "error")
	for _, tt := range []struct {
		name, brokers, http, want string
	}{
		{
			name: "a broker's", brokers: "127.0.0.1:0," + taken, http: "127.0.0.1:0",
			want: "orderflow serve: " + taken + " is in use: set kafka.brokers (ORDERFLOW_KAFKA_BROKERS) to free ports, or 127.0.0.1:0 to pick any\n",
		},
		{
			name: "the HTTP endpoints'", brokers: "127.0.0.1:0", http: taken,
			want: "orderflow serve: " + taken + " is in use: set http.addr (ORDERFLOW_HTTP_ADDR) to a free port, or 127.0.0.1:0 to pick any\n",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ORDERFLOW_KAFKA_BROKERS", tt.brokers)
			t.Setenv("ORDERFLOW_HTTP_ADDR", tt.http)
			code, _, errs := runMain("serve", "--embedded")
			if code != 1 || !strings.HasSuffix(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errs, tt.want)
			}
		})
	}
}
