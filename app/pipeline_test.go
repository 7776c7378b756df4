package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/handling"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
	"github.com/orderflow/orderflow/events"
	"github.com/twmb/franz-go/pkg/kgo"
)

// clusters runs a test on the embedded broker and, where KAFKA_BROKERS names
// one, on Apache Kafka.
func clusters(t *testing.T, test func(t *testing.T, c testkit.Cluster)) {
	t.Run("embedded", func(t *testing.T) { test(t, testkit.Embedded(t)) })
	t.Run("kafka", func(t *testing.T) { test(t, testkit.Real(t)) })
}

func TestPipelineSettlesEveryOrder(t *testing.T) { clusters(t, pipelineSettlesEveryOrder) }

// The same with delivery.guarantee exactly_once: no output twice, each
// dead letter once.
func TestPipelineSettlesEveryOrderExactlyOnce(t *testing.T) {
	clusters(t, func(t *testing.T, c testkit.Cluster) {
		c.Cfg.Kafka.Client, c.Cfg.Delivery.Guarantee, c.Cfg.Delivery.Instance = config.ClientFranz, config.ExactlyOnce, "pipeline-test"
		pipelineSettlesEveryOrder(t, c)
	})
}

// The same on the reference transport, kafka.client: watermill-kafka.
func TestPipelineSettlesEveryOrderOnWatermillKafka(t *testing.T) {
	clusters(t, func(t *testing.T, c testkit.Cluster) {
		c.Cfg.Kafka.Client = config.ClientWatermillKafka
		pipelineSettlesEveryOrder(t, c)
	})
}

func pipelineSettlesEveryOrder(t *testing.T, c testkit.Cluster) {
	testkit.StartApp(t, c.Cfg)
	plan := seed.Plan{Count: 400, Poison: 6, Flaky: 6, Fail: 6, Panic: 4}
	m, tr := testkit.SeedSettled(t, c, plan, time.Minute)
	// Once idle, every step's group is caught up by Kafka's own count, past
	// the transaction markers of exactly_once's outputs too.
	defer testkit.WaitCaughtUp(t, c, 30*time.Second, testkit.Groups(c.Cfg))

	wantDead := testkit.ExpectedDeadLetters(m)
	budget := c.Cfg.Retry.MaxAttempts
	for _, id := range m.Orders {
		o, _ := tr.Order(id)
		if len(o.Correlations) != 1 {
			t.Errorf("%s: correlation IDs %v, want exactly one across its messages", id, o.Correlations)
		}
		if o.Duplicates() != 0 {
			t.Errorf("%s: %d duplicate outputs", id, o.Duplicates())
		}
		kind, dead := wantDead[id]
		if !dead {
			if len(o.DeadLetters) > 0 {
				t.Errorf("%s: dead-lettered (%s), want it processed", id, o.DeadLetters[0].Reason)
			}
			switch {
			case o.Paid == 1 && o.Declined == 0:
				if o.Shipped != 1 || o.Notified != 1 {
					t.Errorf("%s: paid, shipped %d, notified %d; want 1 and 1", id, o.Shipped, o.Notified)
				}
			case o.Declined == 1 && o.Paid == 0:
				if o.Shipped != 0 || o.Notified != 1 {
					t.Errorf("%s: declined, shipped %d, notified %d; want 0 and 1", id, o.Shipped, o.Notified)
				}
				if !slices.Contains(m.Declined, id) && !slices.Contains(m.Flaky, id) {
					t.Errorf("%s: declined, but seed did not expect it", id)
				}
			default:
				t.Errorf("%s: paid %d, declined %d; want exactly one outcome", id, o.Paid, o.Declined)
			}
			continue
		}
		if len(o.DeadLetters) != 1 || o.Paid+o.Declined+o.Shipped+o.Notified != 0 {
			t.Errorf("%s: %d dead letters and %d outputs, want 1 dead letter and nothing else", id, len(o.DeadLetters), o.Paid+o.Declined+o.Shipped+o.Notified)
			continue
		}
		d := o.DeadLetters[0]
		if d.ErrorKind != kind {
			t.Errorf("%s: kind %s, want %s (reason %q)", id, d.ErrorKind, kind, d.Reason)
		}
		wantAttempts := budget
		if kind == deadletter.KindPermanent {
			wantAttempts = 1
		}
		if d.Attempts != wantAttempts {
			t.Errorf("%s: %d attempts, want %d", id, d.Attempts, wantAttempts)
		}
		if d.Topic != c.Cfg.Topics.Orders || d.Handler != "payments" || d.ConsumerGroup != c.Cfg.Kafka.Group("payments") || d.Key != id {
			t.Errorf("%s: dead letter from %s/%s group %s key %s, want orders/payments/%s/%s", id, d.Topic, d.Handler, d.ConsumerGroup, d.Key, c.Cfg.Kafka.Group("payments"), id)
		}
		if d.CorrelationID == "" || d.CorrelationID != o.Correlations[0] || d.FailedAt.IsZero() || d.Timestamp.IsZero() {
			t.Errorf("%s: dead letter lacks correlation or times: %+v", id, d)
		}
		wantReason := map[deadletter.Kind]string{
			deadletter.KindPermanent:        "OrderPlaced",
			deadletter.KindRetriesExhausted: fmt.Sprintf("payment gateway unavailable (attempt %d)", budget),
			deadletter.KindPanic:            "panic: gateway simulator: injected panic charging order " + id,
		}[kind]
		if kind == deadletter.KindPermanent && strings.Contains(d.Reason, "not valid JSON") {
			wantReason = "payload is not valid JSON"
		}
		if !strings.Contains(d.Reason, wantReason) {
			t.Errorf("%s: reason %q, want it to name %q", id, d.Reason, wantReason)
		}
		if kind == deadletter.KindPanic && !strings.Contains(d.Stack, "gateway.(*Simulator).Charge") {
			t.Errorf("%s: panic dead letter lacks the stack: %q", id, d.Stack)
		}
	}
	for _, id := range m.Flaky {
		if o, _ := tr.Order(id); o.Paid+o.Declined != 1 {
			t.Errorf("flaky %s did not get through after retries: %+v", id, o)
		}
	}

	// The fail orders' outage is over (faults.fail_failures attempts have been
	// made): replaying their dead letters delivers them.
	results, err := deadletter.Replay(context.Background(), c.Conn(t), c.Cfg, nil, deadletter.Filter{Kind: string(deadletter.KindRetriesExhausted)}, false)
	if err != nil {
		t.Fatal(err)
	}
	var replayed []string
	for _, r := range results {
		if r.Replayed {
			replayed = append(replayed, r.Letter.OrderID)
		}
	}
	slices.Sort(replayed)
	if want := slices.Sorted(slices.Values(m.Fail)); !slices.Equal(replayed, want) {
		t.Fatalf("replayed %v, want the fail orders %v", replayed, want)
	}
	testkit.WaitFor(t, time.Minute, "replayed orders are delivered", func() (bool, string) {
		for _, id := range m.Fail {
			o, _ := tr.Order(id)
			if o.Paid+o.Declined != 1 || o.Notified != 1 {
				return false, fmt.Sprintf("%s: %+v", id, o)
			}
			if len(o.Correlations) != 1 {
				return false, fmt.Sprintf("%s: replay changed the correlation ID: %v", id, o.Correlations)
			}
		}
		return true, ""
	})
}

// Messages from a client that is not orderflow: no Watermill headers, maybe no
// key, maybe not even JSON. Each is processed or dead-lettered with a reason,
// and the order after it on the same partition still flows.
func TestForeignMessages(t *testing.T) { clusters(t, foreignMessages) }

func foreignMessages(t *testing.T, c testkit.Cluster) {
	c.Cfg.Handler.MaxMessageBytes = 2048
	testkit.StartApp(t, c.Cfg)
	tr := testkit.Track(t, c)

	raw, err := kgo.NewClient(c.Conn(t).Franz()...)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	order := func(id string) string {
		return `{"order_id":"` + id + `","customer_id":"c-1","email":"c@x","currency":"EUR","items":[{"sku":"A","quantity":1,"price_cents":100}],"total_cents":100}`
	}
	tests := []struct {
		key, value, header string
		wantReason         string // "" means processed
	}{
		{key: "plain-1", value: order("plain-1")},
		{key: "garbage-1", value: "\x00\x01 not json", wantReason: "payload is not valid JSON"},
		{key: "shape-1", value: `["an","array"]`, wantReason: "payload does not fit OrderPlaced"},
		{key: "invalid-1", value: `{"order_id":"invalid-1"}`, wantReason: "invalid OrderPlaced: customer_id is empty"},
		{key: "type-1", value: order("type-1"), header: "Refund", wantReason: `unknown event type "Refund"`},
		{key: "big-1", value: order("big-1") + strings.Repeat(" ", 4096), wantReason: "over handler.max_message_bytes 2048"},
	}
	for _, tt := range tests {
		pm := &kgo.Record{Topic: c.Cfg.Topics.Orders, Key: []byte(tt.key), Value: []byte(tt.value)}
		if tt.header != "" {
			pm.Headers = []kgo.RecordHeader{{Key: events.HeaderType, Value: []byte(tt.header)}}
		}
		// The same key again, valid: it lands on the same partition, behind the bad one.
		after := &kgo.Record{Topic: c.Cfg.Topics.Orders, Key: []byte(tt.key), Value: []byte(order(tt.key + "-after"))}
		if err := raw.ProduceSync(context.Background(), pm, after).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// No key and no headers at all.
	if err := raw.ProduceSync(context.Background(), &kgo.Record{Topic: c.Cfg.Topics.Orders, Value: []byte(order("nokey-1"))}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		testkit.WaitFor(t, 30*time.Second, tt.key+" and the order behind it", func() (bool, string) {
			o, _ := tr.Order(tt.key)
			behind, _ := tr.Order(tt.key + "-after")
			done := behind.Notified == 1
			if tt.wantReason == "" {
				done = done && o.Notified == 1 && len(o.DeadLetters) == 0
			} else {
				done = done && len(o.DeadLetters) == 1
			}
			return done, fmt.Sprintf("%+v, behind it %+v", o, behind)
		})
		if tt.wantReason == "" {
			continue
		}
		o, _ := tr.Order(tt.key)
		d := o.DeadLetters[0]
		if !strings.Contains(d.Reason, tt.wantReason) || d.ErrorKind != deadletter.KindPermanent || d.Attempts != 1 {
			t.Errorf("%s: dead letter %s after %d attempts %q, want permanent after 1 naming %q", tt.key, d.ErrorKind, d.Attempts, d.Reason, tt.wantReason)
		}
		if !strings.HasPrefix(d.CorrelationID, handling.GeneratedCorrelationPrefix) {
			t.Errorf("%s: correlation ID %q, want a generated one", tt.key, d.CorrelationID)
		}
		if !strings.HasPrefix(d.UUID, "kafka-orders-") || string(d.Payload) != tt.value {
			t.Errorf("%s: dead letter UUID %q payload %q, want a derived UUID and the original payload", tt.key, d.UUID, d.Payload)
		}
	}
	// The key-less order is keyed by its order ID downstream.
	testkit.WaitFor(t, 30*time.Second, "the key-less order", func() (bool, string) {
		o, _ := tr.Order("nokey-1")
		return o.Notified == 1, fmt.Sprintf("%+v", o)
	})
}
