package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

// exactlyOnce is s in delivery.guarantee exactly_once, its transactional IDs
// named after instance.
func exactlyOnce(s stack, instance string) stack {
	s.env = append(slices.Clip(s.env), "ORDERFLOW_KAFKA_CLIENT="+config.ClientFranz, "ORDERFLOW_DELIVERY_GUARANTEE="+config.ExactlyOnce,
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
	// Slow enough that orders still come in at the last kill: a restarted
	// process drains what arrived while it was down in a burst.
	plan := seed.Plan{Count: 20_000, Poison: 20, Fail: 20, Rate: 300}
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
		if s.tr.Notified() >= plan.Count-plan.Poison-plan.Fail {
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
	s.verifyExactlyOnce(t, fmt.Sprintf("exactly once, %d kills", kills), m, start, true)
}

// A zombie: of two processes, one is stopped (SIGSTOP) past the session
// timeout while the other takes its partitions over, then continued: its late
// transaction is fenced (KIP-447), nothing is written twice.
func TestExactlyOnceZombieIsFenced(t *testing.T) {
	s := newStack(t)
	a, b := exactlyOnce(s, "zombie-a"), exactlyOnce(s, "zombie-b")
	start := time.Now()
	seeded := s.seedAsync(t, seed.Plan{Count: 3000, Poison: 10, Rate: 300})
	za, _ := orderflow(t, a.env, "serve")
	orderflow(t, b.env, "serve")
	s.waitNotified(t, 1000)
	if err := za.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	continued := false
	defer func() {
		if !continued {
			_ = za.Process.Signal(syscall.SIGCONT)
		}
	}()
	// The other process's members hold every partition of every step.
	admin := kadmClient(t, s)
	members := config.Default().Delivery.ConcurrentTransactions
	testkit.WaitFor(t, time.Minute, fmt.Sprintf("the other process's %d members left in each group", members), func() (bool, string) {
		groups, err := admin.DescribeGroups(context.Background(), s.Cfg.Kafka.Group(config.StepPayments), s.Cfg.Kafka.Group(config.StepShipping), s.Cfg.Kafka.Group(config.StepNotifications))
		if err != nil {
			return false, err.Error()
		}
		state := ""
		for _, g := range groups.Sorted() {
			state += fmt.Sprintf("%s: %d members %s; ", g.Group, len(g.Members), g.State)
			if len(g.Members) != members || g.State != "Stable" {
				return false, state
			}
		}
		return true, state
	})
	// The takeover waits out the session timeout, which may outlast the
	// first seed: orders seeded now are the other process's alone.
	before := s.tr.Notified()
	after := <-s.seedAsync(t, seed.Plan{Count: 1000, Rate: 500})
	s.waitNotified(t, before+300) // the other process goes on
	if err := za.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	continued = true
	s.verifyExactlyOnce(t, "exactly once, a zombie continued", joined(<-seeded, after), start, false)
}

// joined is the manifest of two seed runs.
func joined(a, b seed.Manifest) seed.Manifest {
	a.Orders = append(a.Orders, b.Orders...)
	a.Poison = append(a.Poison, b.Poison...)
	a.Flaky = append(a.Flaky, b.Flaky...)
	a.Fail = append(a.Fail, b.Fail...)
	a.Panic = append(a.Panic, b.Panic...)
	a.Declined = append(a.Declined, b.Declined...)
	return a
}

// The brokers that matter to a transaction, hard-stopped (SIGKILL) in turn
// mid-stream and restarted: the payments step's transaction coordinator,
// then its group coordinator, then the leader of a partition of orders.
func TestExactlyOnceBrokerLoss(t *testing.T) {
	s := exactlyOnce(newStackOn(t, testkit.RealAlone(t)), "brokerloss")
	if len(s.Brokers) < 3 {
		t.Skip("needs a three-broker cluster")
	}
	start := time.Now()
	const orders = 21000 // at 300/s, still coming in while the third broker is lost
	seeded := s.seedThroughLoss(t, orders)
	orderflow(t, s.env, "serve")
	s.waitNotified(t, 500)
	admin := kadmClient(t, s)
	ctx := context.Background()
	roles := []struct {
		what string
		node func() (int32, error)
	}{
		{"transaction coordinator of payments (its first member)", func() (int32, error) {
			c := admin.FindTxnCoordinators(ctx, messaging.TransactionalID(s.Cfg.Kafka.ClientID, "brokerloss", s.Cfg.Kafka.Group(config.StepPayments))+"-0")
			for _, r := range c {
				return r.NodeID, r.Err
			}
			return 0, errors.New("no coordinator")
		}},
		{"group coordinator of payments", func() (int32, error) {
			for _, r := range admin.FindGroupCoordinators(ctx, s.Cfg.Kafka.Group(config.StepPayments)) {
				return r.NodeID, r.Err
			}
			return 0, errors.New("no coordinator")
		}},
		{"leader of orders/0", func() (int32, error) {
			md, err := admin.Metadata(ctx, s.Cfg.Topics.Orders)
			if err != nil {
				return 0, err
			}
			return md.Topics[s.Cfg.Topics.Orders].Partitions[0].Leader, nil
		}},
	}
	for _, r := range roles {
		node, err := r.node()
		if err != nil {
			t.Fatalf("%s: %v", r.what, err)
		}
		before := s.tr.Notified()
		if before+300 > orders {
			t.Fatalf("%d of %d orders notified before the %s was to stop: too few left", before, orders, r.what)
		}
		hardStop(t, node)
		s.waitNotified(t, before+300) // progress without it
		kafkaNode(t, "up.sh", int(node))
		// One broker lost at a time: the next stops once this one is back in
		// every partition's in-sync replicas, or two would be (a partition
		// whose only in-sync replica stopped has no leader until it returns).
		waitInSync(t, admin)
		t.Logf("%s (node %d) stopped and restarted; %d notified", r.what, node, s.tr.Notified())
	}
	s.verifyExactlyOnce(t, "exactly once, three brokers lost in turn", <-seeded, start, false)
}

// Rebalance under load: two processes, one stopped (SIGTERM) mid-stream;
// poisoned orders among them are dead-lettered once.
func TestExactlyOnceRebalance(t *testing.T) {
	s := newStack(t)
	a, b := exactlyOnce(s, "rebalance-a"), exactlyOnce(s, "rebalance-b")
	start := time.Now()
	seeded := s.seedAsync(t, seed.Plan{Count: 6000, Poison: 20, Rate: 300})
	pa, aout := orderflow(t, a.env, "serve")
	orderflow(t, b.env, "serve")
	s.waitNotified(t, 1500)
	stopGracefully(t, pa, aout)
	if n := s.tr.Notified(); n >= 6000 {
		t.Fatalf("every order was notified before the member stopped (%d): no rebalance was tested", n)
	}
	s.verifyExactlyOnce(t, "exactly once, rebalance", <-seeded, start, false)
}

// seedThroughLoss seeds count valid orders at 300 a second, in runs of 300:
// a run a broker's loss fails (seed's producer gives up before a SIGKILLed
// leader's partitions move) is left out of the manifest and seeded again.
// What it did write is handled like any order, and checked by no one.
func (s stack) seedThroughLoss(t *testing.T, count int) <-chan seed.Manifest {
	prod := testkit.Producer(t, s.Cluster)
	out := make(chan seed.Manifest, 1)
	go func() {
		var all seed.Manifest
		for failures := 0; len(all.Orders) < count; {
			m, err := seed.Run(context.Background(), prod, s.Cfg, seed.Plan{Count: 300, Rate: 300}, nil)
			if err != nil {
				if failures++; failures > 20 {
					t.Errorf("seed: %d runs failed, the last: %v", failures, err)
					break
				}
				t.Logf("seed run failed (a broker is down), seeding it again: %v", err)
				continue
			}
			all = joined(all, m)
		}
		out <- all
	}()
	return out
}

// waitInSync waits until every partition of every topic, the internal ones
// included, has a leader and all its replicas in sync.
func waitInSync(t *testing.T, admin *kadm.Client) {
	t.Helper()
	testkit.WaitFor(t, 2*time.Minute, "every partition's replicas in sync", func() (bool, string) {
		md, err := admin.Metadata(context.Background())
		if err != nil {
			return false, err.Error()
		}
		for _, td := range md.Topics {
			for _, p := range td.Partitions {
				if p.Leader < 0 || len(p.ISR) < len(p.Replicas) {
					return false, fmt.Sprintf("%s/%d: leader %d, in sync %v of %v", td.Topic, p.Partition, p.Leader, p.ISR, p.Replicas)
				}
			}
		}
		return true, ""
	})
}

// hardStop kills the local cluster's node with SIGKILL; kafkaNode(t,
// "up.sh", node) starts it again, and so does the test's end.
func hardStop(t *testing.T, node int32) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf(".kafka/run/node%d.pid", node))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kafkaNode(t, "up.sh", int(node)) }) // up.sh leaves a running node alone
}

func kadmClient(t *testing.T, s stack) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(s.Conn(t).Franz()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// verifyExactlyOnce waits for every order to settle and checks, per order:
// settled, charged once, no output record twice, and its dead letters as
// seeded — one for a poisoned or failing order, none for the others; with
// wantAborted, that some records written were aborted.
func (s stack) verifyExactlyOnce(t *testing.T, scenario string, m seed.Manifest, start time.Time, wantAborted bool) {
	t.Helper()
	testkit.Eventually(3*time.Minute, func() bool { return len(s.tr.Unsettled(m.Orders)) == 0 })
	lost := s.tr.Unsettled(m.Orders)
	charges := receipts(t, s.store)
	wantDead := testkit.ExpectedDeadLetters(m)
	dups, letters, recovered := 0, 0, 0
	for _, id := range m.Orders {
		o, _ := s.tr.Order(id)
		dups += o.Duplicates()
		letters += len(o.DeadLetters)
		if o.Duplicates() != 0 {
			t.Errorf("%s: %d duplicate output records", id, o.Duplicates())
		}
		kind, dead := wantDead[id]
		switch {
		case dead && kind == deadletter.KindRetriesExhausted && len(o.DeadLetters) == 0 && o.Paid+o.Declined == 1:
			// A fail order's gateway fails its first attempts, counted in
			// the gateway's file: when a kill aborted the transaction with
			// its dead letter, the batch's next attempt went through. Paid
			// (or declined) once, and no letter: still exactly one outcome.
			recovered++
		case dead && len(o.DeadLetters) != 1:
			t.Errorf("%s: %d dead letters, want exactly 1", id, len(o.DeadLetters))
		case !dead && len(o.DeadLetters) != 0:
			t.Errorf("%s: dead-lettered (%s), want it processed", id, o.DeadLetters[0].Reason)
		}
		if charges[id] > 1 {
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
	// dlq list reads the dead-letter topic to its end, transaction markers
	// and all: each letter once.
	if listed := strings.Count(run(t, s.env, "dlq", "list", "--json"), "\n"); listed != letters {
		t.Errorf("dlq list: %d letters, the tracker %d", listed, letters)
	}
	committed := len(testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.Payments, append(s.kcatX, "-X", "isolation.level=read_committed")...))
	all := len(testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.Payments, append(s.kcatX, "-X", "isolation.level=read_uncommitted")...))
	if wantAborted && all <= committed {
		t.Errorf("%s: %d records read uncommitted, %d committed: no transaction was aborted, so no kill landed inside one", s.Cfg.Topics.Payments, all, committed)
	}
	// Once idle, every step's group is caught up by Kafka's own count: its
	// committed offsets pass the last transaction marker of each partition.
	testkit.WaitCaughtUp(t, s.Cluster, time.Minute, testkit.Groups(s.Cfg))
	t.Logf("RESULT %s: seeded %d, lost %d, duplicate outputs %d, dead letters %d (want %d, %d fail orders paid after an abort instead), payments records %d committed / %d written (aborted ones included), wall time %s",
		scenario, len(m.Orders), len(lost), dups, letters, len(wantDead), recovered, committed, all, time.Since(start).Round(100*time.Millisecond))
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
