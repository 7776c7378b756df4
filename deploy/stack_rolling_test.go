package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
	"github.com/orderflow/orderflow/handlers"
)

// rollingUpdate runs what a rolling update of the three orderflow replicas
// does to a 30,000-order stream at 1,000/s: each replica in turn stopped
// (SIGTERM, the grace period) and started, the next one only once it is ready
// (its /readyz answers 200: what its healthcheck asks); then one replica
// killed and the gateway killed, both started again. The update takes about
// as long as the stream here (each replica 5-11 s), so the replica's kill
// follows the last replica's start without waiting for it to be ready, and the
// gateway's kill comes as soon as charges flow again, and it is started again
// once a call has failed for want of it: all of it happens while orders flow.
// Compose stops and kills a whole service, so one replica is stopped, killed
// and started with docker stop/kill/start on the container compose made. The
// orders the gateway's absence dead-lettered are replayed; then every order
// must be notified (and shipped unless declined), none charged twice.
func (s *stack) rollingUpdate(t *testing.T) {
	const count = 30_000
	replicas := s.containers("orderflow")
	gateway := s.containers("gateway")
	if len(replicas) != 3 || len(gateway) != 1 {
		t.Fatalf("%d orderflow replicas and %d gateways, want 3 and 1", len(replicas), len(gateway))
	}
	// Compose gives each container the service's stop_grace_period, which
	// docker stop then waits before it kills.
	grace, err := strconv.Atoi(strings.TrimSpace(s.cmd(time.Minute, "docker", "inspect", "-f", "{{.Config.StopTimeout}}", replicas[0].ID)))
	if err != nil || grace != 45 {
		t.Fatalf("the replicas' stop timeout %d (%v), want the compose file's 45s", grace, err)
	}

	start := time.Now()
	before := s.notifications()
	seeded := s.seedFromHost(seed.Plan{Count: count, Rate: 1000})
	s.waitNotified(before + 500) // the stream flows
	var steps []string
	stoppedAt := map[string]time.Time{}
	for i, c := range replicas {
		at := s.notifications() - before
		stopped := time.Now()
		stoppedAt[c.ID] = stopped
		s.cmd(2*time.Minute, "docker", "stop", c.ID)
		took := time.Since(stopped)
		code := strings.TrimSpace(s.cmd(time.Minute, "docker", "inspect", "-f", "{{.State.ExitCode}}", c.ID))
		if code != "0" || took >= time.Duration(grace)*time.Second {
			t.Errorf("%s: docker stop took %s and it exited %s; want exit 0 within the %ds grace period", c.Name, took.Round(100*time.Millisecond), code, grace)
		}
		s.cmd(time.Minute, "docker", "start", c.ID)
		step := fmt.Sprintf("%s stopped at %d notified: exit %s in %s", c.Name, at, code, took.Round(100*time.Millisecond))
		if i < len(replicas)-1 {
			s.waitReady(c)
			step += fmt.Sprintf(", ready again %s after the stop", time.Since(stopped).Round(100*time.Millisecond))
		}
		steps = append(steps, step)
	}

	// The gateway calls of the first replica (not killed, ready since its
	// restart) from before the gateway's kill to the end: what the gateway's
	// absence did to them.
	killed := replicas[1]
	first := []string{fmt.Sprintf("http://127.0.0.1:%d/metrics", s.port(replicas[0]))}
	callsBefore := s.gatewayCalls(first)
	killedAt := s.notifications() - before
	s.cmd(time.Minute, "docker", "kill", killed.ID)
	s.cmd(time.Minute, "docker", "start", killed.ID)
	// The replicas joining pause the groups a while (a rebalance): the
	// gateway is killed once charges flow again, so calls are under way.
	last := s.gatewayCalls(first)
	s.waitCalls(first, "charges flowing", func(c calls) bool { moved := c.all > last.all; last = c; return moved })
	gatewayAt := s.notifications() - before
	gatewayKilled := time.Now()
	s.cmd(time.Minute, "docker", "kill", gateway[0].ID)
	// Started again once a call has failed for want of it: killed and started
	// at once, it can be back before any call notices (the client replays a
	// request a dead connection refused).
	s.waitCalls(first, "a gateway call failed", func(c calls) bool { return c.failed > last.failed })
	s.cmd(time.Minute, "docker", "start", gateway[0].ID)
	s.waitHealthy(gateway[0])
	gatewayDown := time.Since(gatewayKilled)
	for _, c := range replicas {
		s.waitHealthy(c)
	}
	steps = append(steps, fmt.Sprintf("%s killed at %d notified", killed.Name, killedAt),
		fmt.Sprintf("gateway killed at %d notified, healthy again in %s", gatewayAt, gatewayDown.Round(100*time.Millisecond)))
	if gatewayAt >= count {
		t.Errorf("the gateway was killed after every order was notified (%d): the stream was over", gatewayAt)
	}
	// Each stopped replica drained: its log since the stop says so.
	for _, c := range replicas {
		logs := s.compose("logs", "--no-color", "--since", stoppedAt[c.ID].Add(-time.Second).Format(time.RFC3339), "--index", c.index(), "orderflow")
		if !strings.Contains(logs, "stopping: finishing messages in flight") {
			t.Errorf("%s did not drain when stopped:\n%s", c.Name, logs)
		}
	}
	m, ok := <-seeded
	if !ok {
		t.FailNow()
	}
	s.waitSettled(m, 5*time.Minute) // notified, or dead-lettered

	// Orders the gateway's absence dead-lettered (its retry budget is shorter
	// than a restart) are replayed, as an operator would once it is back.
	ours := map[string]bool{}
	for _, id := range m.Orders {
		ours[id] = true
	}
	var letters []deadletter.Letter
	since := start.Add(-time.Second).UTC().Format(time.RFC3339)
	for _, line := range strings.Split(strings.TrimSpace(s.task(2*time.Minute, "dlq", "--", "--json", "--since", since)), "\n") {
		var d deadletter.Letter
		if line == "" || json.Unmarshal([]byte(line), &d) != nil || !ours[d.OrderID] {
			continue
		}
		letters = append(letters, d)
		if d.ErrorKind != deadletter.KindRetriesExhausted && d.ErrorKind != deadletter.KindTimeout {
			t.Errorf("%s dead-lettered by %s as %s (%s): not the gateway's absence", d.OrderID, d.Handler, d.ErrorKind, d.Reason)
		}
	}
	repeats := 0 // what replaying a letter from the payments topic repeats: that event, a shipment, a notification
	byHandler := map[string]int{}
	for _, d := range letters {
		byHandler[d.Handler]++
		if d.Topic != "orders" {
			repeats += 3
		}
	}
	if len(letters) > 0 {
		s.task(2*time.Minute, "dlq:replay", "--", "--all", "--since", since)
	}
	o := s.waitDelivered(m, 3*time.Minute)
	calls := s.gatewayCalls(first).minus(callsBefore)
	if calls.failed+calls.slow == 0 {
		t.Errorf("no gateway call of %s failed or waited over 1 s: the gateway's kill was not felt", replicas[0].Name)
	}

	lost, dups := s.tally(t, m, o)
	twice := s.chargedTwice(t, m)
	bound := dupBound(1000) + repeats
	if dups > bound {
		t.Errorf("%d duplicate outputs, over the bound of %d (one kill at 1,000/s, and %d for the replays)", dups, bound, repeats)
	}
	t.Logf("rolling update:\n  %s", strings.Join(steps, "\n  "))
	t.Logf("RESULT rolling update of 3 replicas, one killed, the gateway killed: seeded %d at 1,000/s; every stop exit 0 within %ds; "+
		"gateway calls since its kill (replica 1) %g failed, %g over 1 s; dead-lettered by its absence %d %v, replayed; "+
		"lost %d, charged twice %d, duplicate outputs %d (bound %d), %s",
		len(m.Orders), grace, calls.failed, calls.slow, len(letters), byHandler, lost, twice, dups, bound, time.Since(start).Round(time.Second))
}

// calls counts gateway calls from orderflow_gateway_call_duration_seconds.
type calls struct{ all, failed, slow float64 }

func (c calls) minus(d calls) calls {
	return calls{c.all - d.all, c.failed - d.failed, c.slow - d.slow}
}

// waitCalls waits until the gateway calls of the replicas at urls meet
// cond, scraping every 100 ms.
func (s *stack) waitCalls(urls []string, what string, cond func(calls) bool) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		<-tick.C
		if cond(s.gatewayCalls(urls)) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%v: not %s within a minute", urls, what)
		}
	}
}

// gatewayCalls sums, over the /metrics URLs, the gateway calls that failed
// and those that took over 1 s (the histogram's last bucket).
func (s *stack) gatewayCalls(urls []string) calls {
	s.t.Helper()
	var c calls
	const name = "orderflow_gateway_call_duration_seconds"
	for _, u := range urls {
		m := testkit.Scrape(s.t, u)
		c.all += testkit.Sum(m, name+"_count")
		c.failed += testkit.Sum(m, name+"_count", `outcome="error"`)
		c.slow += testkit.Sum(m, name+"_count") - testkit.Sum(m, name+"_bucket", `le="1"`)
	}
	return c
}

// port is the host port c's 8081 is published on now: a restarted replica
// may hold another port of the range.
func (s *stack) port(c composed) int {
	s.t.Helper()
	out := strings.TrimSpace(s.cmd(time.Minute, "docker", "port", c.ID, "8081/tcp"))
	_, p, _ := strings.Cut(strings.Split(out, "\n")[0], "127.0.0.1:")
	n, err := strconv.Atoi(p)
	if err != nil {
		s.t.Fatalf("%s publishes 8081 on %q", c.Name, out)
	}
	return n
}

// waitReady waits until the replica c's /readyz answers 200, as its
// healthcheck (orderflow health) asks it, polling every 100 ms: a docker
// health status would lag by up to its interval.
func (s *stack) waitReady(c composed) {
	s.t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", s.port(c))
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	client := http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: %s not 200 within 2m: %v", c.Name, url, err)
		}
		<-tick.C
	}
}

// waitHealthy waits until Docker's healthcheck calls c healthy, asking every
// 200 ms (each ask is a docker process: a 20 ms poll would take a core).
func (s *stack) waitHealthy(c composed) {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		state := strings.TrimSpace(s.cmd(time.Minute, "docker", "inspect", "-f", "{{.State.Status}}/{{.State.Health.Status}}", c.ID))
		if state == "running/healthy" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s is %s, not healthy within 2m", c.Name, state)
		}
		<-tick.C
	}
}

// waitDelivered waits until every order of m is notified, and shipped unless
// declined: dead-lettered is not enough.
func (s *stack) waitDelivered(m seed.Manifest, within time.Duration) outputs {
	s.t.Helper()
	return s.waitOrders(m, within, "notified and shipped", outputs.delivered)
}

// chargedTwice reports the orders of m doubleCharges finds in the gateway's
// store on its volume and the payments topic, and returns how many.
func (s *stack) chargedTwice(t *testing.T, m seed.Manifest) int {
	problems := doubleCharges(m, s.store(), s.paid())
	for i, p := range problems {
		if i == 5 {
			t.Errorf("... %d orders in all", len(problems))
			break
		}
		t.Error(p)
	}
	return len(problems)
}

// doubleCharges checks, per order of m, the gateway's store file and the
// charges payment events carry (paid: order → charges): the store decided the
// order's charge at most once (one record with a receipt, whatever the
// attempts), every payment event of the order carries that receipt's charge,
// and so no two events carry different ones. A charge is its payment ID and
// the time it was decided: the simulator's payment ID is the order's ("pay-"
// + key), so a second decision differs from the first only in its time.
func doubleCharges(m seed.Manifest, store []byte, paid map[string]map[string]bool) []string {
	receipts := map[string][]handlers.Receipt{}
	sc := bufio.NewScanner(bytes.NewReader(store))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Key     string            `json:"key"`
			Receipt *handlers.Receipt `json:"receipt"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Receipt != nil {
			receipts[rec.Key] = append(receipts[rec.Key], *rec.Receipt)
		}
	}
	declined := map[string]bool{}
	for _, id := range m.Declined {
		declined[id] = true
	}
	var problems []string
	for _, id := range m.Orders {
		r := receipts[id]
		var problem string
		switch {
		case len(r) > 1:
			problem = fmt.Sprintf("the gateway decided its charge %d times: %+v", len(r), r)
		case len(paid[id]) > 1:
			problem = fmt.Sprintf("payment events carry %d charges %v", len(paid[id]), slices.Sorted(maps.Keys(paid[id])))
		case len(paid[id]) == 1 && (len(r) == 0 || r[0].Declined || !paid[id][charge(r[0].PaymentID, r[0].ChargedAt)]):
			problem = fmt.Sprintf("payment events carry %v, the gateway recorded %+v", slices.Sorted(maps.Keys(paid[id])), r)
		case len(r) == 1 && !r[0].Declined && len(paid[id]) == 0:
			problem = "charged by the gateway, but no payment event"
		case len(r) == 1 && r[0].Declined != declined[id]:
			problem = fmt.Sprintf("the gateway's decline %t, the seed's %t", r[0].Declined, declined[id])
		}
		if problem != "" {
			problems = append(problems, id+": "+problem)
		}
	}
	return problems
}

// charge names one charge: its payment ID and when it was decided.
func charge(paymentID string, at time.Time) string {
	return paymentID + "@" + at.UTC().Format(time.RFC3339Nano)
}

// paid reads the payments topic with kcat: per order, the charges its events
// carry (a decline carries none).
func (s *stack) paid() map[string]map[string]bool {
	s.t.Helper()
	out := s.cmd(2*time.Minute, "kcat", "-b", stackBrokers, "-C", "-t", "payments", "-e", "-q", "-f", "%k\t%s\n")
	ids := map[string]map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		key, payload, _ := strings.Cut(sc.Text(), "\t")
		var p struct {
			PaymentID string    `json:"payment_id"`
			ChargedAt time.Time `json:"charged_at"`
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			s.t.Fatalf("payments: %s: %v in %q", key, err, payload)
		}
		if p.PaymentID == "" {
			continue
		}
		if ids[key] == nil {
			ids[key] = map[string]bool{}
		}
		ids[key][charge(p.PaymentID, p.ChargedAt)] = true
	}
	return ids
}

// doubleCharges finds each way an order can be charged twice, and passes
// orders charged once, declined, or replayed onto the first receipt.
func TestDoubleCharges(t *testing.T) {
	at := time.Date(2026, 12, 6, 3, 14, 22, 848097252, time.UTC)
	later := at.Add(time.Second)
	line := func(key string, attempt int, r *handlers.Receipt) string {
		data, _ := json.Marshal(struct {
			Key     string            `json:"key"`
			Attempt int               `json:"attempt"`
			Receipt *handlers.Receipt `json:"receipt,omitempty"`
		}{key, attempt, r})
		return string(data) + "\n"
	}
	paidAt := func(key string, when time.Time) *handlers.Receipt {
		return &handlers.Receipt{PaymentID: "pay-" + key, ChargedAt: when, AmountCents: 300, Currency: "EUR"}
	}
	once := func(c string) map[string]bool { return map[string]bool{c: true} }
	store := line("once", 1, nil) + line("once", 2, paidAt("once", at)) + // a failed attempt, then the charge
		line("replayed", 1, paidAt("replayed", at)) +
		line("declined", 1, &handlers.Receipt{PaymentID: "pay-declined", Declined: true, ChargedAt: at}) +
		line("decided-twice", 1, paidAt("decided-twice", at)) + line("decided-twice", 2, paidAt("decided-twice", later)) +
		line("two-events", 1, paidAt("two-events", at)) +
		line("not-recorded-so", 1, paidAt("not-recorded-so", later)) +
		line("no-event", 1, paidAt("no-event", at)) +
		"{torn\n"
	paid := map[string]map[string]bool{
		"once":            once(charge("pay-once", at)),
		"replayed":        once(charge("pay-replayed", at)), // its event twice: the same charge
		"decided-twice":   once(charge("pay-decided-twice", at)),
		"two-events":      {charge("pay-two-events", at): true, charge("pay-two-events", later): true},
		"not-recorded-so": once(charge("pay-not-recorded-so", at)),
		"no-receipt":      once(charge("pay-no-receipt", at)),
	}
	m := seed.Manifest{
		Orders:   []string{"once", "replayed", "declined", "decided-twice", "two-events", "not-recorded-so", "no-receipt", "no-event"},
		Declined: []string{"declined"},
	}
	var got []string
	for _, p := range doubleCharges(m, []byte(store), paid) {
		id, _, _ := strings.Cut(p, ":")
		got = append(got, id)
	}
	want := []string{"decided-twice", "two-events", "not-recorded-so", "no-receipt", "no-event"}
	if !slices.Equal(got, want) {
		t.Errorf("doubleCharges flags %v, want %v", got, want)
	}
}
