// Package testkit starts what the pipeline's tests need: a cluster (the
// embedded broker, or real Kafka from KAFKA_BROKERS), the app, a tracker of
// the output topics, and waits on conditions with deadlines.
package testkit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/broker"
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/track"
)

// Cluster is the Kafka a test runs on and the config that reaches it.
type Cluster struct {
	Brokers kafkaclient.Brokers
	Cfg     config.Config
}

// testConfig is the default config with fast retries, quiet logs and seed's
// faults honoured.
func testConfig(brokers []string) config.Config {
	cfg := config.Default()
	cfg.Kafka.Embedded = false
	cfg.Kafka.Brokers = brokers
	cfg.Faults.Inject = true
	cfg.Topics.Partitions = 4
	cfg.Retry.InitialInterval = 5 * time.Millisecond
	cfg.Retry.MaxInterval = 20 * time.Millisecond
	cfg.Logging.Level = "error"
	cfg.HTTP.Addr = "127.0.0.1:0" // tests run side by side: no fixed port
	return cfg
}

// Logger discards what it is given: tests assert, they do not read logs.
func Logger(testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Embedded starts an in-process broker of three nodes on free ports for t.
func Embedded(t testing.TB) Cluster {
	t.Helper()
	cfg := config.Default()
	cfg.Kafka.Brokers = []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}
	e, err := broker.Start(cfg.Kafka)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return Cluster{Brokers: e.Addrs(), Cfg: testConfig(e.Addrs())}
}

// Real returns the Apache Kafka cluster named by KAFKA_BROKERS, with topics
// whose names are unique to the test so that tests do not see each other's
// records. Without KAFKA_BROKERS the test is skipped, except under CI=true,
// where a missing cluster fails it.
func Real(t testing.TB) Cluster { return realCluster(t, false) }

// RealAlone is Real for a test that stops the cluster's brokers: it waits
// until no other test, in any package go test runs beside this one, is on the
// cluster, and keeps them off it until it ends. (A topic created with a
// broker down cannot have its three replicas.)
func RealAlone(t testing.TB) Cluster { return realCluster(t, true) }

func realCluster(t testing.TB, alone bool) Cluster {
	t.Helper()
	env := os.Getenv("KAFKA_BROKERS")
	if env == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KAFKA_BROKERS is not set, and CI=true needs the real cluster (task kafka:up)")
		}
		t.Skip("KAFKA_BROKERS is not set: start a cluster with `task kafka:up` and export KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094")
	}
	hold(t, env, alone)
	cfg := testConfig(strings.Split(env, ","))
	c := Cluster{Brokers: cfg.Kafka.Brokers, Cfg: cfg}.ForTest(t)
	// Consumer groups of the test's own too: a test joining "payments" on
	// the shared cluster would rebalance every other test's payments group
	// (and the watermill-kafka transport redelivers what a rebalance
	// interrupts). The topics' suffix, as a prefix.
	c.Cfg.Kafka.GroupPrefix = strings.TrimPrefix(c.Cfg.Topics.Orders, cfg.Topics.Orders+"-") + "."
	return c
}

// hold locks the cluster named by brokers for t, until t ends: shared, or
// exclusive when alone. The lock is a file lock, so it holds across the test
// processes of go test's packages.
func hold(t testing.TB, brokers string, alone bool) {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '.' {
			return r
		}
		return '_'
	}, brokers)
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "orderflow-kafka-"+name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if alone {
		t.Logf("waiting for the other tests on %s to finish", brokers)
	}
	if err := flock(f, alone); err != nil {
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// ForTest is c with topic names unique to t (the configured names, suffixed),
// so that tests on one cluster do not see each other's records.
func (c Cluster) ForTest(t testing.TB) Cluster {
	name := strings.Map(func(r rune) rune { // Kafka's topic names: [a-zA-Z0-9._-]
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")))
	suffix := fmt.Sprintf("-%s-%d", name, time.Now().UnixNano()%1_000_000)
	top := &c.Cfg.Topics
	top.Orders += suffix
	top.Payments += suffix
	top.Shipments += suffix
	top.Notifications += suffix
	top.DeadLetter += suffix
	return c
}

// StartApp runs the app on cfg until the test ends; opts are added to it
// (fx.Populate, to reach a component).
func StartApp(t testing.TB, cfg config.Config, opts ...fx.Option) *fx.App {
	t.Helper()
	a := fx.New(app.Options(cfg), fx.NopLogger, fx.Options(opts...))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Errorf("stop the app: %v", err)
		}
	})
	return a
}

// Track tails the output topics until the test ends.
func Track(t testing.TB, c Cluster) *track.Tracker {
	t.Helper()
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	tr := track.New(c.Cfg.Topics)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx, c.Conn(t)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("tracker: %v", err)
		}
	})
	return tr
}

// Producer returns a producer closed when the test ends.
func Producer(t testing.TB, c Cluster) *kafkaclient.Producer {
	t.Helper()
	p, err := kafkaclient.NewProducer(c.Conn(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// WaitFor polls cond until it holds, failing the test at the deadline with
// cond's last word on what is missing.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %s", what, within, detail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Eventually polls cond until it holds or within has passed, and says which:
// for a test that reports what is missing itself once time is up.
func Eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// SeedSettled publishes plan to c's orders topic, as seed does, and waits
// within until every order of it has settled; the tracker (started before the
// first order was sent) comes back for per-order checks.
func SeedSettled(t testing.TB, c Cluster, plan seed.Plan, within time.Duration) (seed.Manifest, *track.Tracker) {
	t.Helper()
	tr := Track(t, c)
	m, err := seed.Run(context.Background(), Producer(t, c), c.Cfg, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	WaitSettled(t, tr, m.Orders, within)
	return m, tr
}

// WaitSettled waits until every one of ids has settled.
func WaitSettled(t testing.TB, tr *track.Tracker, ids []string, within time.Duration) {
	t.Helper()
	WaitFor(t, within, "every order settles", func() (bool, string) {
		left := tr.Unsettled(ids)
		if len(left) == 0 {
			return true, ""
		}
		o, _ := tr.Order(left[0])
		return false, fmt.Sprintf("%d unsettled, e.g. %+v", len(left), o)
	})
}

// ExpectedDeadLetters maps each order seeded to fail for good to the kind of
// dead letter it must end as; every other order must be processed.
func ExpectedDeadLetters(m seed.Manifest) map[string]deadletter.Kind {
	want := map[string]deadletter.Kind{}
	for _, id := range m.Poison {
		want[id] = deadletter.KindPermanent
	}
	for _, id := range m.Fail {
		want[id] = deadletter.KindRetriesExhausted
	}
	for _, id := range m.Panic {
		want[id] = deadletter.KindPanic
	}
	return want
}

// Receipts counts the gateway's receipts per order in its store file's lines:
// more than one for an order is a double charge.
func Receipts(r io.Reader) map[string]int {
	counts := map[string]int{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec struct {
			Key     string          `json:"key"`
			Receipt json.RawMessage `json:"receipt"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Receipt != nil {
			counts[rec.Key]++
		}
	}
	return counts
}

// Scrape reads the Prometheus exposition at url, decoded by Prometheus's own
// expfmt (a malformed exposition fails the test), into samples keyed by the
// metric name and its sorted labels, e.g.
// `orderflow_dead_letters_total{handler="payments", kind="panic"}`; a
// histogram gives its _bucket, _sum and _count samples.
func Scrape(t testing.TB, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	var families []*dto.MetricFamily
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		families = append(families, &f)
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, families...)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	samples := make(map[string]float64, len(vec))
	for _, s := range vec {
		samples[s.Metric.String()] = float64(s.Value)
	}
	return samples
}

// Sum adds up the samples of metric name whose labels include every
// label="value" pair given.
func Sum(samples map[string]float64, name string, labels ...string) float64 {
	sum := 0.0
	for k, v := range samples {
		n, ls, _ := strings.Cut(k, "{")
		if n != name {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains("{"+ls, l)
		}
		if all {
			sum += v
		}
	}
	return sum
}

// PromQuery runs an instant query on the Prometheus at base and returns each
// sample's value by the given label's value ("" for one unlabelled sample).
func PromQuery(t testing.TB, base, q, label string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("query %s: %v (status %q)", q, err, body.Status)
	}
	out := map[string]float64{}
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, r.Value)
		}
		out[r.Metric[label]] += v
	}
	return out
}

// Conn is how orderflow's clients reach c, with c's config as it is now.
func (c Cluster) Conn(t testing.TB) kafkaclient.Conn {
	t.Helper()
	conn, err := kafkaclient.Connect(c.Brokers, c.Cfg.Kafka)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}
