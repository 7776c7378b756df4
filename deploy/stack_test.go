package deploy_test

// The Docker stack, run for real on Docker Engine through the user's own
// commands: task up, task seed, task dlq, task dlq:replay, docker compose
// kill/stop/start (docker stop/kill/start for one replica), task down. Topic
// contents are read with kcat, a client that is not orderflow's; charges from
// the gateway service's store on its volume.
// DOCKER_STACK=1 turns them on (task test:stack); they take the ports of the
// local cluster (9092-9094), so that must be down.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

const stackBrokers = "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"

func TestStack(t *testing.T) {
	if os.Getenv("DOCKER_STACK") == "" {
		t.Skip("the Docker stack's tests need Docker Engine: DOCKER_STACK=1 (task test:stack)")
	}
	for _, tool := range []string{"docker", "task", "kcat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed", tool)
		}
	}
	st := &stack{t: t, bin: filepath.Join(t.TempDir(), "orderflow")}
	st.cmd(5*time.Minute, "go", "build", "-o", st.bin, ".")
	st.task(5*time.Minute, "down") // whatever an earlier run left
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := st.try(time.Minute, "docker", "compose", "logs", "--no-color", "--tail", "60")
			t.Logf("the stack's last log lines:\n%s", out)
		}
		_, _ = st.try(5*time.Minute, "task", "down")
	})

	t.Run("UpBringsEveryServiceToHealthy", st.up)
	if t.Failed() {
		return
	}
	t.Run("SeedDeadLettersAndReplay", st.seedDLQReplay)
	t.Run("KillOrderflowMidSeed", st.killMidSeed)
	t.Run("BrokerStoppedMidStream", st.brokerLoss)
	t.Run("StopDrainsAndExitsZero", st.gracefulStop)
	t.Run("RollingUpdate", st.rollingUpdate)
	t.Run("ExactlyOnceKillMidSeed", st.exactlyOnceKill)
	t.Run("DownLeavesNothing", st.down)
}

type stack struct {
	t   *testing.T
	bin string // orderflow built from this tree, for seeding from the host
}

// try runs a command in the repository's root and returns its stdout; stderr
// is added to the error.
func (s *stack) try(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = ".."
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

func (s *stack) cmd(timeout time.Duration, name string, args ...string) string {
	s.t.Helper()
	out, err := s.try(timeout, name, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *stack) task(timeout time.Duration, args ...string) string {
	s.t.Helper()
	return s.cmd(timeout, "task", args...)
}

func (s *stack) compose(args ...string) string {
	s.t.Helper()
	return s.cmd(5*time.Minute, "docker", append([]string{"compose"}, args...)...)
}

// seedFromHost publishes plan with orderflow on the host, through the ports
// the stack publishes, and returns the manifest once seeding ends.
func (s *stack) seedFromHost(plan seed.Plan) <-chan seed.Manifest {
	out := make(chan seed.Manifest, 1)
	go func() {
		defer close(out)
		stdout, err := s.try(10*time.Minute, s.bin, "seed", "--json", "--count", fmt.Sprint(plan.Count), "--rate", fmt.Sprint(plan.Rate))
		if err != nil {
			s.t.Errorf("seed from the host: %v", err)
			return
		}
		var m seed.Manifest
		if err := json.Unmarshal([]byte(stdout), &m); err != nil {
			s.t.Errorf("seed --json: %v in %q", err, stdout)
			return
		}
		out <- m
	}()
	return out
}

// composed is one of the stack's containers as `docker compose ps` shows it.
type composed struct {
	ID, Name, Service, State, Health string
	ExitCode                         int
	Publishers                       []struct {
		URL                       string
		TargetPort, PublishedPort int
	}
}

// oneShot are the services that do their work and exit (0) before the
// others start.
var oneShot = map[string]bool{"register-schemas": true}

// containers reads `docker compose ps` of services (every one when none),
// sorted by name: a service's replicas in order, orderflow-1 first.
func (s *stack) containers(services ...string) []composed {
	s.t.Helper()
	out := s.compose(append([]string{"ps", "--all", "--format", "json"}, services...)...)
	var got []composed
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var c composed
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			s.t.Fatalf("docker compose ps: %v in %q", err, line)
		}
		got = append(got, c)
	}
	slices.SortFunc(got, func(a, b composed) int { return strings.Compare(a.Name, b.Name) })
	return got
}

// index is c's replica number, as docker compose's --index takes it.
func (c composed) index() string { return c.Name[strings.LastIndex(c.Name, "-")+1:] }

// port is the host port c publishes its port target on, 0 if none.
func (c composed) port(target int) int {
	for _, p := range c.Publishers {
		if p.TargetPort == target && p.PublishedPort != 0 {
			return p.PublishedPort
		}
	}
	return 0
}

// replicaURLs are the base URLs of the orderflow replicas' published http.addr.
func (s *stack) replicaURLs() []string {
	s.t.Helper()
	var urls []string
	for _, c := range s.containers("orderflow") {
		if c.port(8081) == 0 {
			s.t.Fatalf("%s publishes no port for 8081: %+v", c.Name, c.Publishers)
		}
		urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d", c.port(8081)))
	}
	return urls
}

func (s *stack) up(t *testing.T) {
	start := time.Now()
	out := s.task(10*time.Minute, "up")
	all := s.containers()
	count := map[string]int{}
	for _, c := range all {
		count[c.Service]++
		if oneShot[c.Service] {
			if c.State != "exited" || c.ExitCode != 0 {
				t.Errorf("%s is %s (exit code %d) after task up, want exited with 0", c.Name, c.State, c.ExitCode)
			}
			continue
		}
		if c.State+"/"+c.Health != "running/healthy" {
			t.Errorf("%s is %s/%s after task up, want running/healthy", c.Name, c.State, c.Health)
		}
	}
	for svc, want := range map[string]int{"kafka-1": 1, "kafka-2": 1, "kafka-3": 1, "gateway": 1, "orderflow": 3, "prometheus": 1, "schema-registry": 1, "register-schemas": 1} {
		if count[svc] != want {
			t.Errorf("task up runs %d containers of %s, want %d", count[svc], svc, want)
		}
	}
	// Three replicas, three distinct host names (exactly_once's instance
	// names), the three ports of the range: 8081 answers whichever holds it.
	replicas := s.containers("orderflow")
	hosts, ports := map[string]bool{}, map[int]bool{}
	for _, c := range replicas {
		hosts[strings.TrimSpace(s.cmd(time.Minute, "docker", "inspect", "-f", "{{.Config.Hostname}}", c.ID))] = true
		ports[c.port(8081)] = true
	}
	if len(hosts) != len(replicas) || !maps.Equal(ports, map[int]bool{8081: true, 8082: true, 8083: true}) {
		t.Errorf("orderflow's replicas: host names %v, published ports %v; want %d distinct, and 8081-8083", hosts, ports, len(replicas))
	}
	// task up prints the console's URL: the first replica's published port.
	console := fmt.Sprintf("http://127.0.0.1:%d/console/", replicas[0].port(8081))
	if !strings.Contains(out, console) {
		t.Errorf("task up does not print the dead-letter console's URL %s:\n%s", console, out)
	}
	// task up registered every event type's schema: the registry has each
	// subject, and the repository's schemas check against it unchanged.
	subjects := getBody(t, "http://127.0.0.1:8085/apis/ccompat/v7/subjects")
	for _, subject := range []string{"OrderPlaced", "PaymentSucceeded", "PaymentDeclined", "ShipmentScheduled", "CustomerNotified"} {
		if !strings.Contains(subjects, "-"+subject+`"`) {
			t.Errorf("the registry's subjects after task up: %s; want one for %s", subjects, subject)
		}
	}
	if check := s.cmd(time.Minute, "docker", "compose", "exec", "-T", "orderflow", "/orderflow", "schemas", "check"); strings.Count(check, "unchanged from version 1") != 5 {
		t.Errorf("orderflow schemas check after task up:\n%s\nwant every subject unchanged from version 1", check)
	}
	ready := s.cmd(time.Minute, "docker", "compose", "exec", "-T", "orderflow", "/orderflow", "health")
	t.Logf("RESULT task up: every service healthy in %s (orderflow: %d replicas on ports %v); orderflow health: %s",
		time.Since(start).Round(time.Second), len(replicas), slices.Sorted(maps.Keys(ports)), strings.TrimSpace(ready))
	// The console answers on the published ports, with replay on: task up
	// gave it the operator token.
	for _, base := range []string{strings.TrimSuffix(console, "/console/"), "http://127.0.0.1:8081"} {
		resp, err := http.Get(base + "/console/triage")
		if err != nil {
			t.Fatalf("the dead-letter console: %v", err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(string(page), `id="read-only"`) {
			t.Errorf("the dead-letter console at %s: %s, read-only %v; want 200 with replay on", base, resp.Status, strings.Contains(string(page), `id="read-only"`))
		}
	}
	// The gateway answers on its published port.
	resp, err := http.Get("http://127.0.0.1:8090/healthz")
	if err != nil {
		t.Fatalf("the gateway: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the gateway's /healthz: %s, want 200", resp.Status)
	}
}

// outputs is what the topics hold, per order, read with kcat.
type outputs struct {
	payments, shipments, notifications map[string]int
	deadLetters                        map[string]int
}

func (s *stack) kcatKeys(topic string) map[string]int {
	s.t.Helper()
	out := s.cmd(2*time.Minute, "kcat", "-b", stackBrokers, "-C", "-t", topic, "-e", "-q", "-f", "%k\n")
	keys := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		keys[sc.Text()]++
	}
	return keys
}

func (s *stack) read() outputs {
	return outputs{
		payments:      s.kcatKeys("payments"),
		shipments:     s.kcatKeys("shipments"),
		notifications: s.kcatKeys("notifications"),
		deadLetters:   s.kcatKeys("dlq"),
	}
}

// settled: dead-lettered, or delivered.
func (o outputs) settled(id string, declined bool) bool {
	return o.deadLetters[id] > 0 || o.delivered(id, declined)
}

// delivered: notified, and shipped unless declined.
func (o outputs) delivered(id string, declined bool) bool {
	return o.notifications[id] > 0 && (declined || o.shipments[id] > 0)
}

// waitSettled waits until every order of m has settled, by kcat's reading.
func (s *stack) waitSettled(m seed.Manifest, within time.Duration) outputs {
	s.t.Helper()
	return s.waitOrders(m, within, "settled", outputs.settled)
}

// waitOrders waits until done holds for every order of m, by kcat's reading
// (declined says whether the gateway declines the order).
func (s *stack) waitOrders(m seed.Manifest, within time.Duration, what string, done func(o outputs, id string, declined bool) bool) outputs {
	s.t.Helper()
	declined := map[string]bool{}
	for _, id := range m.Declined {
		declined[id] = true
	}
	var o outputs
	testkit.WaitFor(s.t, within, fmt.Sprintf("%d orders %s", len(m.Orders), what), func() (bool, string) {
		o = s.read()
		var left []string
		for _, id := range m.Orders {
			if !done(o, id, declined[id]) {
				left = append(left, id)
			}
		}
		if len(left) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("%d not, e.g. %s", len(left), left[0])
	})
	return o
}

// store is the gateway service's store file, copied from its volume.
func (s *stack) store() []byte {
	s.t.Helper()
	path := filepath.Join(s.t.TempDir(), "gateway.jsonl")
	s.compose("cp", "gateway:/data/gateway.jsonl", path)
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	return data
}

// charges counts the gateway's receipts per order in its store on the volume.
func (s *stack) charges() map[string]int {
	s.t.Helper()
	return testkit.Receipts(bytes.NewReader(s.store()))
}

// tally checks every order of m: not lost, charged at most once (exactly once
// if paid), and counts the duplicate outputs.
func (s *stack) tally(t *testing.T, m seed.Manifest, o outputs) (lost, duplicates int) {
	charges := s.charges()
	for _, id := range m.Orders {
		if o.deadLetters[id] == 0 && o.notifications[id] == 0 {
			lost++
		}
		if charges[id] > 1 {
			t.Errorf("%s: charged %d times", id, charges[id])
		}
		if o.payments[id] > 0 && charges[id] == 0 {
			t.Errorf("%s: a payment event but no receipt at the gateway", id)
		}
		for topic, n := range map[string]int{"payments": o.payments[id], "shipments": o.shipments[id], "notifications": o.notifications[id]} {
			if n > 1 && duplicates < 5 {
				t.Logf("duplicate: order %s has %d records in %s", id, n, topic)
			}
			duplicates += max(n-1, 0)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d orders lost", lost, len(m.Orders))
	}
	return lost, duplicates
}

func (s *stack) seedDLQReplay(t *testing.T) {
	// The dead-letter alert fires on an increase, which Prometheus sees only
	// from a sample taken before it: wait until it has scraped orderflow's
	// counters at 0 (poison orders are dead-lettered within a scrape interval).
	replicas := s.replicaURLs()
	testkit.WaitFor(t, time.Minute, "the stack's Prometheus scraped every replica's dead-letter counters", func() (bool, string) {
		up := testkit.PromQuery(t, "http://127.0.0.1:9090", `count(up{job="orderflow"} == 1)`, "")
		got := testkit.PromQuery(t, "http://127.0.0.1:9090", `count by (kind) (orderflow_dead_letters_total)`, "kind")
		return int(up[""]) == len(replicas) && got["permanent"] > 0 && got["panic"] > 0 && got["retries_exhausted"] > 0,
			fmt.Sprintf("%g of %d replicas up, series by kind %v", up[""], len(replicas), got)
	})
	start := time.Now()
	var m seed.Manifest
	out := s.task(5*time.Minute, "seed", "--", "--count", "1000", "--poison", "10", "--flaky", "10", "--fail", "10", "--panic", "5", "--json")
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("task seed -- --json: %v in %q", err, out)
	}
	s.waitSettled(m, 3*time.Minute)

	want := testkit.ExpectedDeadLetters(m)
	got := map[string][]deadletter.Letter{}
	lines := strings.Split(strings.TrimSpace(s.task(2*time.Minute, "dlq", "--", "--json")), "\n")
	for _, line := range lines {
		var d deadletter.Letter
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("task dlq -- --json: %v in %q", err, line)
		}
		got[d.OrderID] = append(got[d.OrderID], d)
	}
	if len(lines) != len(want) || len(want) != 25 {
		t.Errorf("task dlq lists %d dead letters, want the %d seeded to fail (25)", len(lines), len(want))
	}
	for id, kind := range want {
		if len(got[id]) != 1 || got[id][0].ErrorKind != kind {
			t.Errorf("%s: dead letters %+v, want one of kind %s", id, got[id], kind)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: dead-lettered (%s) but seeded to succeed", id, got[id][0].Reason)
		}
	}

	// What the replicas' /metrics (published on 127.0.0.1:8081-8083) say,
	// summed, agrees with task dlq: the dead letters by kind; and each sees no
	// lag once settled (each reads the whole group's from the brokers).
	wantKinds := map[string]float64{}
	for _, kind := range want {
		wantKinds[string(kind)]++
	}
	sum := func(name string, labels ...string) float64 {
		n := 0.0
		for _, base := range replicas {
			n += testkit.Sum(testkit.Scrape(t, base+"/metrics"), name, labels...)
		}
		return n
	}
	testkit.WaitFor(t, time.Minute, "/metrics agrees with task dlq", func() (bool, string) {
		for kind, n := range wantKinds {
			if got := sum("orderflow_dead_letters_total", `kind="`+kind+`"`); got != n {
				return false, fmt.Sprintf("orderflow_dead_letters_total{kind=%q} %g over the replicas, task dlq lists %g", kind, got, n)
			}
		}
		for _, base := range replicas {
			if lag := testkit.Sum(testkit.Scrape(t, base+"/metrics"), "orderflow_consumer_lag_messages"); lag != 0 {
				return false, fmt.Sprintf("consumer lag %g at %s", lag, base)
			}
		}
		return true, ""
	})

	// The stack's Prometheus (127.0.0.1:9090) scraped the same, and the
	// dead-letter alert fires for every kind that was dead-lettered.
	testkit.WaitFor(t, 2*time.Minute, "the stack's Prometheus agrees with task dlq", func() (bool, string) {
		got := testkit.PromQuery(t, "http://127.0.0.1:9090", `sum by (kind) (orderflow_dead_letters_total)`, "kind")
		firing := testkit.PromQuery(t, "http://127.0.0.1:9090", `count by (kind) (ALERTS{alertname="OrderflowDeadLettersGrowing",alertstate="firing"})`, "kind")
		for kind, n := range wantKinds {
			if got[kind] != n || firing[kind] == 0 {
				return false, fmt.Sprintf("Prometheus: letters %v, firing %v; task dlq: %v", got, firing, wantKinds)
			}
		}
		return true, ""
	})

	replayed := s.task(2*time.Minute, "dlq:replay", "--", "--all", "--kind", "retries_exhausted")
	declined := map[string]bool{}
	for _, id := range m.Declined {
		declined[id] = true
	}
	var o outputs
	testkit.WaitFor(t, 2*time.Minute, "the replayed orders settled", func() (bool, string) {
		o = s.read()
		for _, id := range m.Fail {
			if o.notifications[id] == 0 || (!declined[id] && o.shipments[id] == 0) {
				return false, id + " not settled yet"
			}
		}
		return true, ""
	})
	charges := s.charges()
	for _, id := range m.Fail {
		want := 1
		if declined[id] {
			want = 0 // declined: a receipt, no charge recorded as paid, nothing shipped
		}
		if o.shipments[id] != want || o.notifications[id] != 1 || (want == 1 && charges[id] != 1) {
			t.Errorf("%s after replay (declined %t): charged %d, shipped %d, notified %d; want %d, %d, 1", id, declined[id], charges[id], o.shipments[id], o.notifications[id], want, want)
		}
	}
	if got := sum("orderflow_replayed_messages_total", `handler="payments"`); got != float64(len(m.Fail)) {
		t.Errorf("orderflow_replayed_messages_total{handler=\"payments\"} %g over the replicas, want the %d replayed", got, len(m.Fail))
	}

	// An order over HTTP, through the console's port: 202, then it flows.
	body := `{"order_id":"http-stack-1","customer_id":"cus-1","email":"ada@example.com","currency":"EUR",` +
		`"items":[{"sku":"A","quantity":2,"price_cents":150}],"total_cents":300}`
	resp, err := http.Post("http://127.0.0.1:8081/orders", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /orders: %s, want 202", resp.Status)
	}
	testkit.WaitFor(t, time.Minute, "the HTTP order settled", func() (bool, string) {
		o := s.read()
		return o.notifications["http-stack-1"] == 1 && o.shipments["http-stack-1"] == 1, "http-stack-1 not shipped and notified yet"
	})

	_, dups := s.tally(t, m, o)
	t.Logf("RESULT task seed/dlq/dlq:replay: seeded %d, dead letters %d (want 25), replayed %d retries_exhausted: %s; lost 0, duplicate outputs %d, %s",
		len(m.Orders), len(lines), len(m.Fail), strings.TrimSpace(lastLine(replayed)), dups, time.Since(start).Round(time.Second))
}

// dupBound is the bound of docs/testing.md on repeated outputs: each handler may redo what
// it had in flight (12 partitions × handler.max_in_flight 64), and after a
// kill what was acknowledged since the last commit landed (the rate, per
// second, × 2 commit intervals of 250 ms); a repeated payment is handled again
// by shipping and notifications, so 5 × that in all.
func dupBound(crashRate float64) int {
	return 5 * (12*64 + int(crashRate*0.5))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// settle waits for the seed to end and every order of it to settle, then
// tallies them: lost, and duplicate outputs.
func (s *stack) settle(t *testing.T, seeded <-chan seed.Manifest) (m seed.Manifest, lost, dups int) {
	m, ok := <-seeded
	if !ok {
		t.FailNow()
	}
	lost, dups = s.tally(t, m, s.waitSettled(m, 5*time.Minute))
	return m, lost, dups
}

// waitNotified waits until at least n notifications are in the topic.
func (s *stack) waitNotified(n int) {
	s.t.Helper()
	testkit.WaitFor(s.t, 3*time.Minute, fmt.Sprintf("%d notifications", n), func() (bool, string) {
		got := s.notifications()
		return got >= n, fmt.Sprintf("%d so far", got)
	})
}

// notifications counts the notifications in the topic by its partitions' end
// offsets (kcat -Q), not by reading it: a read to the end of a topic being
// written chases the end (seen taking 10 s at 1,000/s), so a wait for a
// count would return long after the count was reached.
func (s *stack) notifications() int {
	s.t.Helper()
	var md struct {
		Topics []struct{ Partitions []struct{ Partition int } }
	}
	if err := json.Unmarshal([]byte(s.cmd(time.Minute, "kcat", "-b", stackBrokers, "-L", "-J", "-t", "notifications")), &md); err != nil || len(md.Topics) != 1 {
		s.t.Fatalf("kcat -L notifications: %v", err)
	}
	args := []string{"-b", stackBrokers, "-Q"}
	for _, p := range md.Topics[0].Partitions {
		args = append(args, "-t", fmt.Sprintf("notifications:%d:-1", p.Partition)) // -1: the end offset
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(s.cmd(time.Minute, "kcat", args...)), "\n") {
		var p, end int
		if _, err := fmt.Sscanf(line, "notifications [%d] offset %d", &p, &end); err != nil {
			s.t.Fatalf("kcat -Q: %q: %v", line, err)
		}
		n += end
	}
	return n
}

func (s *stack) killMidSeed(t *testing.T) {
	start := time.Now()
	before := s.notifications()
	seeded := s.seedFromHost(seed.Plan{Count: 20_000, Rate: 1000}) // 20 s of seeding: the kill lands mid-stream
	s.waitNotified(before + 3000)
	s.compose("kill", "orderflow")
	killedAt := time.Since(start)
	done := s.notifications() - before
	s.compose("up", "-d", "--wait", "orderflow") // before any check: the later scenarios need it
	if done >= 20_000 {
		t.Errorf("the kill came after every order was done (%d notified): nothing was tested", done)
	}
	m, lost, dups := s.settle(t, seeded)
	bound := dupBound(1000)
	if dups > bound {
		t.Errorf("%d duplicate outputs after the kill, over the bound of %d", dups, bound)
	}
	t.Logf("RESULT kill orderflow mid-seed: seeded %d at 1,000/s, killed at %s with %d notified, lost %d, charged twice 0, duplicate outputs %d (bound %d), %s",
		len(m.Orders), killedAt.Round(100*time.Millisecond), done, lost, dups, bound, time.Since(start).Round(time.Second))
}

// txnInstance finds the instance name in serve's start-up line under
// exactly_once: "transactional IDs orderflow-<instance>-<step>" (the JSON
// log may escape the "<").
var txnInstance = regexp.MustCompile(`transactional IDs orderflow-(\S+?)-(?:<|\\u003c)step`)

// exactlyOnceKill restarts the stack's orderflow with task up:exactly-once,
// kills it mid-seed and starts it again the same way: read committed (kcat's
// default), no order has an output twice.
func (s *stack) exactlyOnceKill(t *testing.T) {
	s.task(5*time.Minute, "up:exactly-once")
	if logs := s.compose("logs", "--no-color", "orderflow"); !strings.Contains(logs, "delivery: exactly_once") {
		t.Fatalf("orderflow does not say it runs exactly once:\n%s", logs)
	}
	start := time.Now()
	before := s.notifications()
	seeded := s.seedFromHost(seed.Plan{Count: 10_000, Poison: 10, Rate: 1000})
	s.waitNotified(before + 2000)
	s.compose("kill", "orderflow")
	killedAt := time.Since(start)
	done := s.notifications() - before
	s.task(5*time.Minute, "up:exactly-once") // as it was: docker compose up alone would start it at least once
	if done >= 10_000 {
		t.Errorf("the kill came after every order was done (%d notified): nothing was tested", done)
	}
	m, lost, dups := s.settle(t, seeded)
	if dups != 0 {
		t.Errorf("%d duplicate outputs after the kill in exactly_once, want 0", dups)
	}
	// Each replica names its transactional IDs by its host name: distinct
	// among the replicas, and the same before the kill and after, so each
	// restarted replica fenced its own predecessor.
	owner := map[string]string{}
	for _, c := range s.containers("orderflow") {
		names := map[string]bool{}
		starts := txnInstance.FindAllStringSubmatch(s.compose("logs", "--no-color", "--index", c.index(), "orderflow"), -1)
		for _, m := range starts {
			names[m[1]] = true
		}
		if len(starts) < 2 || len(names) != 1 {
			t.Errorf("%s started %d times exactly once, naming its transactional IDs by %v: want 2 starts, one name", c.Name, len(starts), names)
		}
		for name := range names {
			if other, ok := owner[name]; ok {
				t.Errorf("%s and %s both name their transactional IDs by %s: they would fence each other", other, c.Name, name)
			}
			owner[name] = c.Name
		}
	}
	t.Logf("RESULT exactly once, docker compose kill orderflow (%d replicas, instances %v) mid-seed: seeded %d at 1,000/s, killed at %s, lost %d, duplicate outputs %d (read committed), %s",
		len(owner), slices.Sorted(maps.Keys(owner)), len(m.Orders), killedAt.Round(100*time.Millisecond), lost, dups, time.Since(start).Round(time.Second))
	s.task(5*time.Minute, "up") // back to the default for what follows
}

func (s *stack) brokerLoss(t *testing.T) {
	start := time.Now()
	before := s.notifications()
	seeded := s.seedFromHost(seed.Plan{Count: 10_000, Rate: 1000})
	s.waitNotified(before + 2000)
	s.compose("stop", "kafka-2")
	stoppedAt := time.Since(start)
	s.waitNotified(before + 5000) // the pipeline goes on with two brokers of three
	s.compose("start", "kafka-2")
	m, lost, dups := s.settle(t, seeded)
	s.compose("up", "-d", "--wait", "kafka-2")
	if bound := dupBound(0); dups > bound {
		t.Errorf("%d duplicate outputs after a broker loss, over the in-flight bound of %d", dups, bound)
	}
	t.Logf("RESULT broker kafka-2 stopped mid-stream: seeded %d, stopped at %s, lost %d, charged twice 0, duplicate outputs %d, %s",
		len(m.Orders), stoppedAt.Round(100*time.Millisecond), lost, dups, time.Since(start).Round(time.Second))
}

func (s *stack) gracefulStop(t *testing.T) {
	start := time.Now()
	before := s.notifications()
	seeded := s.seedFromHost(seed.Plan{Count: 10_000, Rate: 1000})
	s.waitNotified(before + 2000)
	stopStart := time.Now()
	s.compose("stop", "orderflow") // every replica at once
	took := time.Since(stopStart)
	var codes []string
	for _, c := range s.containers("orderflow") {
		code := strings.TrimSpace(s.cmd(time.Minute, "docker", "inspect", "-f", "{{.State.ExitCode}}", c.ID))
		codes = append(codes, code)
		if code != "0" {
			t.Errorf("%s exited %s after docker compose stop, want 0", c.Name, code)
		}
		if logs := s.compose("logs", "--no-color", "--tail", "20", "--index", c.index(), "orderflow"); !strings.Contains(logs, "stopping: finishing messages in flight") {
			t.Errorf("%s's last lines do not show a drain:\n%s", c.Name, logs)
		}
	}
	if took >= 45*time.Second {
		t.Errorf("docker compose stop took %s: past the 45s grace period, so Docker killed it", took)
	}
	code := strings.Join(codes, ",")
	s.compose("up", "-d", "--wait", "orderflow")
	m, lost, dups := s.settle(t, seeded)
	// A drain commits what it finished: 0 is expected (the fault suite's
	// SIGTERM test asserts it), and never more than what was in flight.
	if bound := dupBound(0); dups > bound {
		t.Errorf("%d duplicate outputs after a graceful stop, over the in-flight bound of %d", dups, bound)
	}
	t.Logf("RESULT docker compose stop orderflow mid-stream: exit %s in %s (grace 45s); seeded %d, lost %d, duplicate outputs %d, %s",
		code, took.Round(100*time.Millisecond), len(m.Orders), lost, dups, time.Since(start).Round(time.Second))
}

func (s *stack) down(t *testing.T) {
	s.task(5*time.Minute, "down")
	project := strings.TrimSpace(s.cmd(time.Minute, "docker", "compose", "config", "--format", "json"))
	var cfg struct{ Name string }
	if err := json.Unmarshal([]byte(project), &cfg); err != nil {
		t.Fatal(err)
	}
	label := "label=com.docker.compose.project=" + cfg.Name
	if left := strings.TrimSpace(s.cmd(time.Minute, "docker", "ps", "-aq", "--filter", label)); left != "" {
		t.Errorf("containers left after task down: %s", left)
	}
	if left := strings.TrimSpace(s.cmd(time.Minute, "docker", "volume", "ls", "-q", "--filter", label)); left != "" {
		t.Errorf("volumes left after task down: %s", left)
	}
	t.Logf("RESULT task down: no container, no volume of project %s left", cfg.Name)
}

// getBody is the body of GET url, failing the test on any error or a status
// other than 200.
func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", url, resp.StatusCode, b, err)
	}
	return string(b)
}
