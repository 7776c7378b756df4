package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

// exactlyOnce is s in delivery.guarantee exactly_once, its transactional IDs
// named after instance.
func exactlyOnce(s stack, instance string) stack {
	s.env = append(s.env, "ORDERFLOW_KAFKA_CLIENT="+config.ClientFranz, "ORDERFLOW_DELIVERY_GUARANTEE="+config.ExactlyOnce,
		"ORDERFLOW_DELIVERY_INSTANCE="+instance)
	return s
}

// Exactly-once under kill -9: five kills at random moments, then one at each
// of a transaction's two worst points — its offsets sent, not yet ended; just
// ended — each followed by a restart. Read committed (the tracker), every
// order settles, none is charged twice, and no output topic nor the
// dead-letter topic holds a record twice; read uncommitted (kcat), some
// record was aborted: the kills did land inside transactions.
func TestExactlyOnceCrashLoop(t *testing.T) {
	s := exactlyOnce(newStack(t), "crashloop")
	start := time.Now()
	plan := seed.Plan{Count: 20_000, Poison: 20, Fail: 20, Rate: 1000}
	seeded := s.seedAsync(t, plan)
	kills := 0
	// First the two worst points, while the orders come in: the process
	// kills itself the 10th time a transaction reaches the point.
	for _, point := range []string{"offsets", "committed"} {
		victim, out := orderflow(t, append(s.env, "TEST_KILL_AT_TXN_POINT="+point+":10"), "serve")
		done := make(chan error, 1)
		go func() { done <- victim.Wait() }()
		select {
		case err := <-done:
			if !killedBySIGKILL(err) {
				t.Fatalf("serve with a kill at %q ended with %v, want killed:\n%s", point, err, out)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("serve never reached the %q point 10 times:\n%s", point, out)
		}
		kills++
	}
	// Then five kill -9 at random moments.
	serve, _ := orderflow(t, s.env, "serve")
	rng := rand.New(rand.NewPCG(24, 24))
	for range 5 {
		s.waitNotified(t, s.tr.Notified()+500+rng.IntN(2000))
		if s.tr.Notified() >= plan.Count {
			t.Fatalf("every order was notified before kill %d: nothing left to test", kills+1)
		}
		if err := serve.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = serve.Wait()
		kills++
		serve, _ = orderflow(t, s.env, "serve")
	}
	m := <-seeded
	s.verifyExactlyOnce(t, fmt.Sprintf("exactly once, %d kills", kills), m, start)
}

// verifyExactlyOnce waits for every order to settle and checks, per order:
// settled, charged once, no output record twice, and its dead letters as
// seeded — one for a poisoned or failing order, none for the others.
func (s stack) verifyExactlyOnce(t *testing.T, scenario string, m seed.Manifest, start time.Time) {
	t.Helper()
	testkit.Eventually(3*time.Minute, func() bool { return len(s.tr.Unsettled(m.Orders)) == 0 })
	lost := s.tr.Unsettled(m.Orders)
	charges := receipts(t, s.store)
	wantDead := testkit.ExpectedDeadLetters(m)
	dups, letters := 0, 0
	for _, id := range m.Orders {
		o, _ := s.tr.Order(id)
		dups += o.Duplicates()
		letters += len(o.DeadLetters)
		if o.Duplicates() != 0 {
			t.Errorf("%s: %d duplicate output records", id, o.Duplicates())
		}
		_, dead := wantDead[id]
		switch {
		case dead && len(o.DeadLetters) != 1:
			t.Errorf("%s: %d dead letters, want exactly 1", id, len(o.DeadLetters))
		case !dead && len(o.DeadLetters) != 0:
			t.Errorf("%s: dead-lettered (%s), want it processed", id, o.DeadLetters[0].Reason)
		}
		if !dead && charges[id] > 1 {
			t.Errorf("%s: charged %d times, want once", id, charges[id])
		}
	}
	if len(lost) > 0 {
		o, _ := s.tr.Order(lost[0])
		t.Errorf("%d of %d orders lost (not settled within 3 minutes), e.g. %+v", len(lost), len(m.Orders), o)
	}
	// kcat, reading committed records as any other consumer would: no record
	// of an output topic or the dead-letter topic twice (by Watermill's UUID).
	for _, topic := range []string{s.Cfg.Topics.Payments, s.Cfg.Topics.Shipments, s.Cfg.Topics.Notifications, s.Cfg.Topics.DeadLetter} {
		seen := map[string]int{}
		for _, r := range testkit.KcatRead(t, s.Brokers, topic, append(s.kcatX, "-X", "isolation.level=read_committed")...) {
			seen[r.Headers["_watermill_message_uuid"]]++
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("%s: record %s %d times (read committed)", topic, id, n)
			}
		}
	}
	committed := len(testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.Payments, append(s.kcatX, "-X", "isolation.level=read_committed")...))
	all := len(testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.Payments, append(s.kcatX, "-X", "isolation.level=read_uncommitted")...))
	if all <= committed {
		t.Errorf("%s: %d records read uncommitted, %d committed: no transaction was aborted, so no kill landed inside one", s.Cfg.Topics.Payments, all, committed)
	}
	t.Logf("RESULT %s: seeded %d, lost %d, duplicate outputs %d, dead letters %d (want %d), payments records %d committed / %d written (aborted ones included), wall time %s",
		scenario, len(m.Orders), len(lost), dups, letters, len(wantDead), committed, all, time.Since(start).Round(100*time.Millisecond))
}

// killedBySIGKILL reports whether err is a process's end by SIGKILL.
func killedBySIGKILL(err error) bool {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
