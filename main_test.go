package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/cli"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

// The test binary doubles as orderflow: with RUN_ORDERFLOW_MAIN=1 it runs the
// command line instead of the tests, so tests can start real processes.
func TestMain(m *testing.M) {
	if os.Getenv("RUN_ORDERFLOW_MAIN") == "1" {
		os.Exit(cli.MainWith(os.Args[1:], os.Stdout, os.Stderr, killAtTxnPoint(os.Getenv("TEST_KILL_AT_TXN_POINT"))))
	}
	os.Exit(m.Run())
}

// orderflow starts the command line as a process with env added.
func orderflow(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "RUN_ORDERFLOW_MAIN=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, &out
}

// The demo runs beside anything on the well-known ports (the local cluster,
// the Docker stack): its broker takes free ports, and so does this test (it
// binds no fixed port: app/cli's TestServeEmbeddedOnFreePorts runs beside a
// listener on 9092).
func TestDemo(t *testing.T) {
	t.Setenv("ORDERFLOW_RETRY_INITIAL_INTERVAL", "5ms")
	var out, errs bytes.Buffer
	code := cli.Main([]string{"demo", "--count", "120", "--poison", "2", "--flaky", "2", "--fail", "2", "--panic", "1"}, &out, &errs)
	if code != 0 {
		t.Fatalf("demo exited %d:\n%s\n%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"orders seeded  120", "dead-lettered    5", "flaky orders charged after retries  2/2", "duplicate outputs    0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	// The dead-letter table: one row per letter, its kind in the third column
	// (the hint line below it names kinds too, so count rows, not words).
	kinds := map[string]int{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 3 && strings.HasPrefix(f[0], "ord-") {
			kinds[f[2]]++
		}
	}
	if want := map[string]int{"permanent": 2, "retries_exhausted": 2, "panic": 1}; fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("dead-letter rows by kind %v, want %v:\n%s", kinds, want, out.String())
	}
	if !strings.Contains(errs.String(), "settled 120/120 orders") {
		t.Errorf("progress never reached 120/120:\n%s", errs.String())
	}
}

// SIGTERM in the middle of a run: serve stops, exits 0, and after a restart
// every order settles, none charged twice.
func TestSIGTERMLosesNothing(t *testing.T) {
	c := testkit.Embedded(t)
	tr := testkit.Track(t, c)
	store := filepath.Join(t.TempDir(), "gateway.jsonl")
	env := []string{
		"ORDERFLOW_KAFKA_EMBEDDED=false",
		"ORDERFLOW_KAFKA_BROKERS=" + strings.Join(c.Brokers, ","),
		"ORDERFLOW_TOPICS_PARTITIONS=" + strconv.Itoa(c.Cfg.Topics.Partitions),
		"ORDERFLOW_GATEWAY_STORE_PATH=" + store,
		"ORDERFLOW_LOGGING_LEVEL=warn",
		"ORDERFLOW_HTTP_ADDR=127.0.0.1:0",
	}
	serve, out := orderflow(t, env, "serve")

	const n = 3000
	seeded := make(chan seed.Manifest, 1)
	go func() {
		m, err := seed.Run(context.Background(), testkit.Producer(t, c), c.Cfg, seed.Plan{Count: n, Rate: 1500}, nil)
		if err != nil {
			t.Error(err)
		}
		seeded <- m
	}()
	testkit.WaitFor(t, 30*time.Second, "some orders are notified before SIGTERM", func() (bool, string) {
		return tr.Notified() >= 300, fmt.Sprintf("%d notified; serve said:\n%s", tr.Notified(), out)
	})
	stopGracefully(t, serve, out)
	if !strings.Contains(out.String(), "stopping: finishing messages in flight") {
		t.Errorf("serve did not say it was stopping:\n%s", out)
	}

	m := <-seeded
	orderflow(t, env, "serve")
	testkit.WaitSettled(t, tr, m.Orders, time.Minute)
	dups := 0
	for _, id := range m.Orders {
		o, _ := tr.Order(id)
		dups += o.Duplicates()
		if o.Paid+o.Declined != 1 && o.Duplicates() == 0 {
			t.Errorf("%s: paid %d declined %d", id, o.Paid, o.Declined)
		}
	}
	charges := receipts(t, store)
	for _, id := range m.Orders {
		if charges[id] != 1 {
			t.Errorf("%s: charged %d times, want once", id, charges[id])
		}
	}
	// A graceful stop commits every offset whose outputs were acknowledged
	// before the process exits: nothing is redone after the restart.
	if dups != 0 {
		t.Errorf("%d duplicate outputs after a graceful SIGTERM, want 0", dups)
	}
	t.Logf("RESULT SIGTERM: %d orders, 0 lost, %d duplicate outputs after SIGTERM and restart", len(m.Orders), dups)
}

// receipts counts the gateway's receipts per order in its store file.
func receipts(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return testkit.Receipts(f)
}

// silentBroker accepts connections and never answers, as a wedged broker or a
// wrong port behind a load balancer does; connected closes at the first
// connection. It closes when the test ends.
func silentBroker(t *testing.T) (addr string, connected <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done, first := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if conns = append(conns, c); len(conns) == 1 {
				close(first)
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String(), first
}

// runWithin runs the command line as a process and waits for it up to bound;
// finished is false if it was still running then (it is killed).
func runWithin(t *testing.T, env []string, bound time.Duration, args ...string) (out string, err error, took time.Duration, finished bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "RUN_ORDERFLOW_MAIN=1"), env...)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	return string(b), err, time.Since(start), ctx.Err() == nil
}

// Every command that talks to Kafka fails within its bound (docs/operations.md: 2 ×
// kafkaclient.StartTimeout) against brokers that accept and never answer, and
// names them.
func TestSilentBrokerFailsFast(t *testing.T) {
	addr, _ := silentBroker(t)
	env := []string{"ORDERFLOW_KAFKA_EMBEDDED=false", "ORDERFLOW_KAFKA_BROKERS=" + addr, "ORDERFLOW_HTTP_ADDR=127.0.0.1:0",
		"ORDERFLOW_GATEWAY_STORE_PATH=" + filepath.Join(t.TempDir(), "gateway.jsonl")}
	bound := 2*kafkaclient.StartTimeout + 5*time.Second
	for _, args := range [][]string{{"serve"}, {"seed", "--count", "1"}, {"dlq", "list"}, {"dlq", "replay", "--all"}, {"topics"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			out, err, took, finished := runWithin(t, env, bound, args...)
			switch {
			case !finished:
				t.Fatalf("still running after %s against a silent broker:\n%s", bound, out)
			case err == nil:
				t.Fatalf("exited 0 against a silent broker:\n%s", out)
			case !strings.Contains(out, "no broker answered") || !strings.Contains(out, addr):
				t.Errorf("the error does not name the silent broker %s:\n%s", addr, out)
			}
			t.Logf("RESULT silent broker: orderflow %s failed in %s: %s", strings.Join(args, " "), took.Round(100*time.Millisecond), firstLine(out))
		})
	}
}

// SIGTERM while serve starts (here: waiting on a silent broker) ends it at once.
func TestSIGTERMDuringStart(t *testing.T) {
	addr, connected := silentBroker(t)
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "RUN_ORDERFLOW_MAIN=1", "ORDERFLOW_KAFKA_EMBEDDED=false", "ORDERFLOW_KAFKA_BROKERS="+addr, "ORDERFLOW_HTTP_ADDR=127.0.0.1:0",
		"ORDERFLOW_GATEWAY_STORE_PATH="+filepath.Join(t.TempDir(), "gateway.jsonl"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select { // serve is starting: it has reached the broker
	case <-connected:
	case <-time.After(kafkaclient.StartTimeout):
		t.Fatal("serve never reached the broker")
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("serve took %s to end after SIGTERM during start", took)
		}
		t.Logf("RESULT SIGTERM during start: serve ended %s after it", time.Since(start).Round(10*time.Millisecond))
	case <-time.After(kafkaclient.StartTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("serve ignored SIGTERM during start")
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// killAtTxnPoint makes this process kill itself (SIGKILL, as kill -9) the
// n-th time an exactly-once transaction reaches point, for at = "point:n"
// (subscriber.Transactions.Point, supplied to the app as "txn_point"). Only
// the test binary can: the orderflow binary has no such hook, and no
// configuration reaches this.
func killAtTxnPoint(at string) fx.Option {
	point, n, ok := strings.Cut(at, ":")
	if !ok {
		return fx.Options()
	}
	want, err := strconv.Atoi(n)
	if err != nil {
		return fx.Options()
	}
	var seen atomic.Int64
	hook := func(p string) {
		if p == point && seen.Add(1) == int64(want) {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	return fx.Supply(fx.Annotate(hook, fx.ResultTags(`name:"txn_point"`)))
}
