package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

func TestMetricsTellWhatHappened(t *testing.T) { clusters(t, metricsTellWhatHappened) }

// After a seeded run with failures of every kind, /metrics says what the
// topics say: the dead-letter counters by handler and kind equal the letters in
// the dead-letter topic, the retries are exactly those the faults cause, and
// every group's lag returns to 0.
func metricsTellWhatHappened(t *testing.T, c testkit.Cluster) {
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	url := "http://" + srv.Addr() + "/metrics"
	plan := seed.Plan{Count: 200, Poison: 4, Flaky: 3, Fail: 3, Panic: 2}
	m, _ := testkit.SeedSettled(t, c, plan, time.Minute)

	letters, err := deadletter.Read(context.Background(), c.Conn(t), c.Cfg.Topics.DeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{} // handler/kind → letters in the topic
	for _, d := range letters {
		want[d.Handler+"/"+string(d.ErrorKind)]++
	}
	if len(letters) != plan.Poison+plan.Fail+plan.Panic {
		t.Fatalf("%d letters in the topic, want %d", len(letters), plan.Poison+plan.Fail+plan.Panic)
	}
	// Per order: each faulty order of the plan has one letter, from payments,
	// of the kind its fault makes.
	planned := map[string]string{} // order ID → handler/kind
	for kind, ids := range map[deadletter.Kind][]string{
		deadletter.KindPermanent: m.Poison, deadletter.KindRetriesExhausted: m.Fail, deadletter.KindPanic: m.Panic,
	} {
		for _, id := range ids {
			planned[id] = "payments/" + string(kind)
		}
	}
	for _, d := range letters {
		if got := d.Handler + "/" + string(d.ErrorKind); planned[d.Key] != got {
			t.Errorf("order %s dead-lettered as %s, its fault makes it %q", d.Key, got, planned[d.Key])
		}
		delete(planned, d.Key)
	}
	for id, want := range planned {
		t.Errorf("order %s has no letter, want one %s", id, want)
	}
	// Each flaky order is retried faults.flaky_failures times; each fail and
	// panic order retry.max_attempts-1 times; a poison order not at all.
	f, budget := c.Cfg.Faults, c.Cfg.Retry.MaxAttempts
	wantRetries := float64(plan.Flaky*f.FlakyFailures + (plan.Fail+plan.Panic)*(budget-1))
	testkit.WaitFor(t, 15*time.Second, "metrics equal to the topics", func() (bool, string) {
		s := testkit.Scrape(t, url)
		var diffs []string
		for key, n := range want {
			handler, kind, _ := strings.Cut(key, "/")
			if got := testkit.Sum(s, "orderflow_dead_letters_total", `handler="`+handler+`"`, `kind="`+kind+`"`); got != n {
				diffs = append(diffs, fmt.Sprintf("dead letters %s: %g, topic has %g", key, got, n))
			}
		}
		if got, all := testkit.Sum(s, "orderflow_dead_letters_total"), float64(len(letters)); got != all {
			diffs = append(diffs, fmt.Sprintf("dead letters in all %g, topic has %g", got, all))
		}
		if got := testkit.Sum(s, "orderflow_retries_total", `handler="payments"`); got != wantRetries {
			diffs = append(diffs, fmt.Sprintf("payments retries %g, want %g", got, wantRetries))
		}
		if got := testkit.Sum(s, "orderflow_retries_total") - testkit.Sum(s, "orderflow_retries_total", `handler="payments"`); got != 0 {
			diffs = append(diffs, fmt.Sprintf("%g retries outside payments, want none", got))
		}
		if got := testkit.Sum(s, "orderflow_messages_in_flight"); got != 0 {
			diffs = append(diffs, fmt.Sprintf("%g messages in flight", got))
		}
		if got := testkit.Sum(s, "orderflow_consumer_lag_messages"); got != 0 {
			diffs = append(diffs, fmt.Sprintf("consumer lag %g", got))
		}
		// Every record of a handler's input acked once (no rebalance here,
		// so none twice), none nacked: retries happen inside the chain.
		for _, h := range []string{"payments", "shipping", "notifications"} {
			records := testkit.Sum(s, "orderflow_partition_end_offset", `group="`+c.Cfg.Kafka.Group(h)+`"`)
			if got := testkit.Sum(s, "orderflow_subscriber_messages_received_total", `handler_name="`+h+`"`, `acked="acked"`); got != records || records == 0 {
				diffs = append(diffs, fmt.Sprintf("%s acked %g messages, its input holds %g", h, got, records))
			}
			if got := testkit.Sum(s, "orderflow_subscriber_messages_received_total", `handler_name="`+h+`"`, `acked="nacked"`); got != 0 {
				diffs = append(diffs, fmt.Sprintf("%s nacked %g messages", h, got))
			}
		}
		return len(diffs) == 0, strings.Join(diffs, "; ")
	})

	s := testkit.Scrape(t, url)
	for _, present := range []struct {
		name   string
		labels []string
	}{
		{"orderflow_build_info", nil},
		{"orderflow_gateway_call_duration_seconds_count", []string{`operation="charge"`, `outcome="ok"`}},
		{"orderflow_gateway_call_duration_seconds_count", []string{`operation="charge"`, `outcome="error"`}},
		{"orderflow_gateway_call_duration_seconds_count", []string{`operation="lookup"`}},
		{"orderflow_handler_execution_time_seconds_count", []string{`handler_name="shipping"`, `success="true"`}},
		{"orderflow_publish_time_seconds_count", []string{`handler_name="payments"`, `publisher_name="messaging.keepOpen"`, `success="true"`}},
		{"orderflow_subscriber_messages_received_total", []string{`handler_name="notifications"`}},
		{"orderflow_partition_end_offset", []string{`group="` + c.Cfg.Kafka.Group("payments") + `"`}},
		{"go_goroutines", nil},
		{"process_resident_memory_bytes", nil},
	} {
		if testkit.Sum(s, present.name, present.labels...) <= 0 {
			t.Errorf("/metrics has no %s%v", present.name, present.labels)
		}
	}
	if got := testkit.Sum(s, "orderflow_consumer_lag_scrape_errors_total"); got != 0 {
		t.Errorf("%g lag scrapes failed", got)
	}
}
