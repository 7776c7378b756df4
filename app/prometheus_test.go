package app_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

func TestPrometheusScrapes(t *testing.T) { clusters(t, prometheusScrapes) }

// A real Prometheus (Debian's package) scrapes a running app every second
// with orderflow's alert rules loaded: after a seeded run with failures of
// every kind, its dead-letter counters by kind equal the letters in the
// dead-letter topic, the lag it sees returns to 0, and the dead-letter alert
// fires for each handler and kind that dead-lettered.
func prometheusScrapes(t *testing.T, c testkit.Cluster) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus not found; CI=true needs it (apt-get install prometheus)")
		}
		t.Skip("prometheus not found: apt-get install prometheus")
	}
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	prom := startPrometheus(t, bin, srv.Addr())
	testkit.WaitFor(t, 30*time.Second, "a first scrape", func() (bool, string) {
		up := testkit.PromQuery(t, prom, `up{job="orderflow"}`, "")
		return up[""] == 1, fmt.Sprintf("up %v", up)
	})

	plan := seed.Plan{Count: 100, Poison: 4, Fail: 3, Panic: 2}
	testkit.SeedSettled(t, c, plan, time.Minute)
	letters := testkit.KcatRead(t, c.Brokers, c.Cfg.Topics.DeadLetter) // found with kcat, not orderflow's reader
	want := map[string]float64{}
	for _, d := range letters {
		want[d.Headers[deadletter.HeaderErrorKind]]++
	}
	if len(letters) != plan.Poison+plan.Fail+plan.Panic {
		t.Fatalf("%d letters, want %d", len(letters), plan.Poison+plan.Fail+plan.Panic)
	}
	testkit.WaitFor(t, time.Minute, "Prometheus agrees with the dead-letter topic", func() (bool, string) {
		got := testkit.PromQuery(t, prom, `sum by (kind) (orderflow_dead_letters_total)`, "kind")
		for kind, n := range want {
			if got[kind] != n {
				return false, fmt.Sprintf("Prometheus: %v; the topic: %v", got, want)
			}
		}
		if lag := testkit.PromQuery(t, prom, `sum(orderflow_consumer_lag_messages)`, ""); lag[""] != 0 {
			return false, fmt.Sprintf("lag %g", lag[""])
		}
		firing := testkit.PromQuery(t, prom, `count by (kind) (ALERTS{alertname="OrderflowDeadLettersGrowing",alertstate="firing"})`, "kind")
		for kind := range want {
			if firing[kind] == 0 {
				return false, fmt.Sprintf("OrderflowDeadLettersGrowing firing for %v, want every kind of %v", firing, want)
			}
		}
		return true, ""
	})

	// Every query of the Grafana dashboard runs and has data after this run.
	for _, q := range dashboardQueries(t) {
		testkit.WaitFor(t, 30*time.Second, "dashboard query "+q, func() (bool, string) {
			got := testkit.PromQuery(t, prom, q, "")
			return len(got) > 0, "no series"
		})
	}
}

// dashboardQueries are the PromQL queries of the provisioned Grafana dashboard.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../deploy/grafana/dashboards/orderflow.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			qs = append(qs, tg.Expr)
		}
	}
	if len(qs) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	return qs
}

// startPrometheus runs Prometheus scraping target every second with the
// alert rules, until the test ends, and returns its base URL.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	dir := t.TempDir()
	rules, err := filepath.Abs("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
  - job_name: orderflow
    static_configs: [{targets: [%q]}]
`, rules, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
		if t.Failed() {
			out, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus log:\n%s", out)
		}
	})
	base := "http://" + addr
	testkit.WaitFor(t, 30*time.Second, "Prometheus ready", func() (bool, string) {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return base
}
