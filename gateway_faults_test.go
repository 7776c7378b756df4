package main

// Gateway faults: serve charging through `orderflow gateway` (gateway.url) on
// the real cluster, the gateway down, slow and refusing; per-order assertions
// against the gateway's own records (its store file).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
	"github.com/orderflow/orderflow/app/track"
	"github.com/orderflow/orderflow/events"
)

// gatewayProcess is `orderflow gateway` on a port of its own, keeping its
// records in the stack's store file (so receipts reads them).
type gatewayProcess struct {
	addr string
	env  []string
	cmd  *exec.Cmd
	out  *bytes.Buffer
}

func newGateway(t *testing.T, s stack) *gatewayProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the gateway takes the port; it keeps it across its restarts
	g := &gatewayProcess{addr: addr, env: []string{
		"ORDERFLOW_GATEWAY_LISTEN=" + addr, "ORDERFLOW_GATEWAY_STORE_PATH=" + s.store, "ORDERFLOW_LOGGING_LEVEL=warn",
	}}
	g.start(t)
	return g
}

func (g *gatewayProcess) url() string { return "http://" + g.addr }

// start runs the gateway and waits until /healthz answers 200.
func (g *gatewayProcess) start(t *testing.T) {
	t.Helper()
	g.cmd, g.out = orderflow(t, g.env, "gateway")
	testkit.WaitFor(t, 30*time.Second, "the gateway answers /healthz", func() (bool, string) {
		resp, err := http.Get(g.url() + "/healthz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, fmt.Sprintf("%d; gateway said:\n%s", resp.StatusCode, g.out)
	})
}

// serveVia runs serve on s charging through gatewayURL, with env added.
func serveVia(t *testing.T, s stack, gatewayURL string, env ...string) {
	t.Helper()
	orderflow(t, append(append(append([]string{}, s.env...), "ORDERFLOW_GATEWAY_URL="+gatewayURL), env...), "serve")
}

// letters returns the dead letters of ids, by order.
func letters(s stack, ids []string) map[string][]deadletter.Letter {
	got := map[string][]deadletter.Letter{}
	for _, id := range ids {
		if o, _ := s.tr.Order(id); len(o.DeadLetters) > 0 {
			got[id] = o.DeadLetters
		}
	}
	return got
}

// once says whether o ended as one order does: one payment event (paid or
// declined), one shipment if paid, one notification. A replayed letter may
// repeat a record (the same UUID: replaying a shipping letter sends its
// payment event again, which notifications reads too), never add another.
func once(o track.Order) bool {
	distinct := o.Paid + o.Declined + o.Shipped + o.Notified - o.Duplicates()
	switch {
	case o.Paid > 0 && o.Declined == 0:
		return o.Shipped > 0 && o.Notified > 0 && distinct == 3
	case o.Declined > 0 && o.Paid == 0:
		return o.Shipped == 0 && o.Notified > 0 && distinct == 2
	}
	return false
}

// waitCharged waits until each of ids has ended once (once); then checks the
// gateway charged each exactly once.
func waitCharged(t *testing.T, s stack, ids []string, within time.Duration) {
	t.Helper()
	testkit.WaitFor(t, within, "every order charged, shipped if paid, and notified", func() (bool, string) {
		for _, id := range ids {
			if o, _ := s.tr.Order(id); !once(o) {
				return false, fmt.Sprintf("%s: %+v", id, o)
			}
		}
		return true, ""
	})
	charges := receipts(t, s.store)
	for _, id := range ids {
		if charges[id] != 1 {
			t.Errorf("%s: the gateway recorded %d charges, want 1", id, charges[id])
		}
	}
}

func TestGatewayFaults(t *testing.T) {
	t.Run("down for 20 s", gatewayDown)
	t.Run("slower than the handler's timeout", gatewaySlow)
	t.Run("conflict", gatewayConflict)
}

// The gateway stopped (SIGTERM, exit 0) for 20 s while orders stream in: the
// payments in flight are retried; those past the retry budget, and the
// lookups shipping and notifications make, are dead-lettered as
// retries_exhausted after retry.max_attempts attempts, naming the refused
// connection. Replayed once the gateway is back, every order settles,
// charged exactly once by the gateway's records.
func gatewayDown(t *testing.T) {
	began := time.Now()
	s := newStack(t)
	g := newGateway(t, s)
	serveVia(t, s, g.url())
	seeded := s.seedAsync(t, seed.Plan{Count: 900, Rate: 30}) // 30 s of orders
	s.waitNotified(t, 100)
	stopGracefully(t, g.cmd, g.out)
	downAt := time.Now()
	<-time.After(20 * time.Second) // the outage itself, not a wait for a condition
	g.start(t)
	t.Logf("the gateway was down %s", time.Since(downAt).Round(100*time.Millisecond))
	m := <-seeded
	testkit.WaitSettled(t, s.tr, m.Orders, 2*time.Minute)

	dead := letters(s, m.Orders)
	byHandler := map[string]int{}
	for id, ls := range dead {
		for _, l := range ls {
			byHandler[l.Handler]++
			if l.ErrorKind != deadletter.KindRetriesExhausted || l.Attempts != s.Cfg.Retry.MaxAttempts || !strings.Contains(l.Reason, "connection refused") {
				t.Errorf("%s: a %s letter from %s after %d attempts: %s; want retries_exhausted after %d, connection refused", id, l.ErrorKind, l.Handler, l.Attempts, l.Reason, s.Cfg.Retry.MaxAttempts)
			}
		}
	}
	if byHandler["payments"] == 0 || len(dead) == len(m.Orders) {
		t.Fatalf("dead letters by handler %v of %d orders: the outage should dead-letter some payments, not every order", byHandler, len(m.Orders))
	}
	for _, id := range m.Orders { // an order not dead-lettered was charged once, before or after the outage
		if _, isDead := dead[id]; !isDead {
			if o, _ := s.tr.Order(id); o.Paid+o.Declined != 1 || o.Notified != 1 {
				t.Errorf("%s: not dead-lettered, yet %+v", id, o)
			}
		}
	}
	replayed := run(t, s.env, "dlq", "replay", "--all", "--kind", string(deadletter.KindRetriesExhausted))
	waitCharged(t, s, m.Orders, 2*time.Minute)
	dups := 0
	for _, id := range m.Orders {
		o, _ := s.tr.Order(id)
		dups += o.Duplicates()
	}
	t.Logf("RESULT gateway down 20 s: %d orders, %d dead-lettered (letters by handler %v), all settled once replayed (%s; %d records repeated by the replays), each charged once by the gateway's records; %s",
		len(m.Orders), len(dead), byHandler, lastLine(replayed), dups, time.Since(began).Round(time.Second))
}

// slowProxy stands between serve and the gateway. While slow, it passes a
// charge on at once, so the gateway records it, but answers only after the
// caller has given up: a gateway that answers after the handler's timeout.
type slowProxy struct {
	slow     atomic.Bool
	mu       sync.Mutex
	forwards map[string]int // charges passed on, by idempotency key
}

func (p *slowProxy) start(t *testing.T, upstream string) string {
	p.forwards = map[string]int{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost {
			p.mu.Lock()
			p.forwards[r.Header.Get("Idempotency-Key")]++
			p.mu.Unlock()
		}
		slow := p.slow.Load() && r.Method == http.MethodPost
		ctx := r.Context()
		if slow {
			ctx = context.WithoutCancel(ctx) // the gateway gets the charge whatever the caller does
		}
		out, _ := http.NewRequestWithContext(ctx, r.Method, upstream+r.URL.Path, bytes.NewReader(body))
		out.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if slow {
			<-r.Context().Done() // the caller's timeout passes first
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// The gateway answers later than handler.timeout (1 s here): each attempt
// times out, and the order is dead-lettered as timeout, with no payment
// event; the gateway charged it once meanwhile, however many attempts
// reached it. Replayed with the gateway answering in time, each order gets
// the receipt recorded then: none is charged twice.
func gatewaySlow(t *testing.T) {
	began := time.Now()
	s := newStack(t)
	g := newGateway(t, s)
	var p slowProxy
	p.slow.Store(true)
	serveVia(t, s, p.start(t, g.url()), "ORDERFLOW_HANDLER_TIMEOUT=1s")
	m := <-s.seedAsync(t, seed.Plan{Count: 20, Rate: 100})
	testkit.WaitSettled(t, s.tr, m.Orders, 2*time.Minute)
	charges := receipts(t, s.store)
	p.mu.Lock()
	for _, id := range m.Orders {
		o, _ := s.tr.Order(id)
		if len(o.DeadLetters) != 1 || o.DeadLetters[0].ErrorKind != deadletter.KindTimeout || o.DeadLetters[0].Handler != "payments" || o.Paid+o.Declined != 0 {
			t.Errorf("%s: %+v; want one timeout letter from payments and no payment event", id, o)
		}
		if charges[id] != 1 || p.forwards[id] < 2 {
			t.Errorf("%s: %d attempts reached the gateway, which recorded %d charges; want retries and one charge", id, p.forwards[id], charges[id])
		}
	}
	p.mu.Unlock()
	p.slow.Store(false)
	run(t, s.env, "dlq", "replay", "--all", "--kind", string(deadletter.KindTimeout))
	waitCharged(t, s, m.Orders, time.Minute)
	t.Logf("RESULT gateway slower than handler.timeout: %d orders dead-lettered as timeout, charged once each while serve waited, settled on replay with no second charge; %s",
		len(m.Orders), time.Since(began).Round(time.Second))
}

// An order ID the gateway charged for another order: the gateway answers
// 409, and the order is one permanent dead letter naming both amounts, with
// no payment event; the gateway keeps its first receipt.
func gatewayConflict(t *testing.T) {
	began := time.Now()
	s := newStack(t)
	g := newGateway(t, s)
	serveVia(t, s, g.url())
	rng := rand.New(rand.NewPCG(5, 6))
	const id = "gw-conflict"
	send := func(cents int64) {
		o := seed.Order(id, rng)
		o.Items = []events.Item{{SKU: "TV", Quantity: 1, PriceCents: cents}}
		o.TotalCents = cents
		msg, err := codec.NewEventMessage(o, "corr-"+id)
		if err != nil {
			t.Fatal(err)
		}
		if err := testkit.Producer(t, s.Cluster).Send(s.Cfg.Topics.Orders, msg); err != nil {
			t.Fatal(err)
		}
	}
	send(30_000)
	waitCharged(t, s, []string{id}, time.Minute)
	send(40_000)
	testkit.WaitFor(t, time.Minute, "the second order dead-lettered", func() (bool, string) {
		o, _ := s.tr.Order(id)
		return len(o.DeadLetters) == 1, fmt.Sprintf("%+v", o)
	})
	o, _ := s.tr.Order(id)
	l := o.DeadLetters[0]
	if l.ErrorKind != deadletter.KindPermanent || l.Attempts != 1 || l.Handler != "payments" || !strings.Contains(l.Reason, "order gw-conflict was charged 300.00 EUR; this order asks 400.00 EUR") {
		t.Errorf("the letter: %s from %s after %d attempts: %s; want permanent, at once, naming both amounts", l.ErrorKind, l.Handler, l.Attempts, l.Reason)
	}
	if o.Paid != 1 || o.Shipped != 1 || receipts(t, s.store)[id] != 1 {
		t.Errorf("%+v, %d charges recorded; want the first order's payment only", o, receipts(t, s.store)[id])
	}
	resp, err := http.Get(g.url() + "/v1/charges/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		AmountCents int64 `json:"amount_cents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.AmountCents != 30_000 {
		t.Errorf("the gateway's receipt: %+v, %v; want the first order's 30000", r, err)
	}
	t.Logf("RESULT gateway conflict: one permanent dead letter, no second payment; %s", time.Since(began).Round(time.Second))
}
