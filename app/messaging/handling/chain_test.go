package handling

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/events"
)

// The whole chain, in its declared order, around handlers that fail in each
// way, with a fake publisher and no broker: what is retried, how often, what
// is dead-lettered with which kind, and what is acknowledged.
func TestChain(t *testing.T) {
	retry := config.Retry{MaxAttempts: 4, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, Multiplier: 2}
	transient := errors.New("gateway unavailable")
	tests := []struct {
		name         string
		failures     int // attempts that fail before one succeeds; -1: all
		give         func(ctx context.Context) error
		wantKind     deadletter.Kind // "" for no dead letter
		wantAttempts int
		wantReason   string
	}{
		{name: "success", failures: 0, wantAttempts: 1},
		{name: "transient then success", failures: 2, give: func(context.Context) error { return transient }, wantAttempts: 3},
		{name: "transient for good", failures: -1, give: func(context.Context) error { return transient },
			wantKind: deadletter.KindRetriesExhausted, wantAttempts: 4, wantReason: "gateway unavailable"},
		{name: "permanent", failures: -1, give: func(context.Context) error { return events.Permanent(errors.New("total_cents -1 must be positive")) },
			wantKind: deadletter.KindPermanent, wantAttempts: 1, wantReason: "total_cents -1 must be positive"},
		{name: "panic", failures: -1, give: func(context.Context) error { panic("nil map") },
			wantKind: deadletter.KindPanic, wantAttempts: 4, wantReason: "panic: nil map"},
		{name: "timeout", failures: -1, give: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
			wantKind: deadletter.KindTimeout, wantAttempts: 4, wantReason: "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &sizedPublisher{limit: 1 << 20}
			var logs bytes.Buffer
			log := slog.New(logging.New(config.Logging{Level: "warn", Format: "text"}, &logs).Handler())
			m := metrics.New()
			dl := newDeadLetter(t, DeadLetterConfig{Publisher: pub, Topic: "dlq", MaxBytes: 1 << 20, Logger: log, Metrics: m})
			calls := 0
			h := func(msg *message.Message) ([]*message.Message, error) {
				calls++
				if tt.failures < 0 || calls <= tt.failures {
					return nil, tt.give(msg.Context())
				}
				out := message.NewMessage("out-"+msg.UUID, []byte("{}"))
				return []*message.Message{kafkaclient.WithKey(out, kafkaclient.KeyOf(msg))}, nil
			}
			chained := h
			mw := Chain(ChainConfig{Retry: retry, Timeout: 5 * time.Millisecond, DeadLetter: dl, Logger: log, Metrics: m})
			for i := len(mw) - 1; i >= 0; i-- {
				chained = mw[i](chained)
			}
			msg := kafkaclient.FranzMessage(&kgo.Record{Topic: "orders", Partition: 2, Offset: 9, Key: []byte("order-1"), Value: []byte("{}")})
			msg.Metadata.Set(events.HeaderCorrelationID, "corr-1")
			msg.SetContext(kafkaclient.WithDelivery(context.Background(), kafkaclient.NewDelivery(kafkaclient.Origin{Partition: 2, Offset: 9})))

			produced, err := chained(msg)
			if err != nil {
				t.Fatalf("chain returned %v: the message would be nacked, want it acknowledged", err)
			}
			if calls != tt.wantAttempts {
				t.Errorf("handler ran %d times, want %d", calls, tt.wantAttempts)
			}
			// What the metrics say: one retry per attempt after the first,
			// the letter by its kind, nothing left in flight.
			if got := gathered(t, m, "orderflow_retries_total"); got != float64(tt.wantAttempts-1) {
				t.Errorf("orderflow_retries_total %g, want %d", got, tt.wantAttempts-1)
			}
			wantLetters := map[bool]float64{true: 1}[tt.wantKind != ""]
			if got := gathered(t, m, "orderflow_dead_letters_total", "kind", string(tt.wantKind)); got != wantLetters {
				t.Errorf("orderflow_dead_letters_total{kind=%q} %g, want %g", tt.wantKind, got, wantLetters)
			}
			if got := gathered(t, m, "orderflow_messages_in_flight"); got != 0 {
				t.Errorf("orderflow_messages_in_flight %g after the message, want 0", got)
			}
			if tt.wantKind == "" {
				if len(pub.got) != 0 || len(produced) != 1 {
					t.Fatalf("%d dead letters, %d outputs; want none and one", len(pub.got), len(produced))
				}
				if out := produced[0]; out.Metadata.Get(events.HeaderCorrelationID) != "corr-1" || kafkaclient.KeyOf(out) != "order-1" {
					t.Errorf("output correlation %q key %q, want corr-1 and order-1", out.Metadata.Get(events.HeaderCorrelationID), kafkaclient.KeyOf(out))
				}
				return
			}
			if len(pub.got) != 1 || len(produced) != 0 {
				t.Fatalf("%d dead letters, %d outputs; want one and none", len(pub.got), len(produced))
			}
			d := deadletter.Parse(kafkaclient.Record{Key: []byte(kafkaclient.KeyOf(pub.got[0])), Headers: pub.got[0].Metadata})
			if d.ErrorKind != tt.wantKind || d.Attempts != tt.wantAttempts || !strings.Contains(d.Reason, tt.wantReason) {
				t.Errorf("dead letter kind %s, attempts %d, reason %q; want %s, %d, %q", d.ErrorKind, d.Attempts, d.Reason, tt.wantKind, tt.wantAttempts, tt.wantReason)
			}
			if d.CorrelationID != "corr-1" || d.Key != "order-1" || d.Partition != 2 || d.Offset != 9 {
				t.Errorf("dead letter correlation %q key %q at %d/%d; want corr-1, order-1 at 2/9", d.CorrelationID, d.Key, d.Partition, d.Offset)
			}
			if tt.wantKind == deadletter.KindPanic && !strings.Contains(d.Stack, "chain_test.go") {
				t.Errorf("panic letter without the stack: %q", d.Stack)
			}
			// One log line per failed attempt and one for the dead letter, each with the correlation ID.
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != tt.wantAttempts+1 {
				t.Errorf("%d log lines, want %d (one per failed attempt, one dead-lettered):\n%s", len(lines), tt.wantAttempts+1, logs.String())
			}
			for _, l := range lines {
				if !strings.Contains(l, "correlation_id=corr-1") {
					t.Errorf("log line without the correlation ID: %s", l)
				}
			}
		})
	}
}

// A middleware that copies the message (as Watermill's own may) keeps its
// Kafka key: the key lives in metadata, which Copy keeps, not in the context.
func TestKeySurvivesACopyingMiddleware(t *testing.T) {
	pub := &sizedPublisher{limit: 1 << 20}
	dl := newDeadLetter(t, DeadLetterConfig{Publisher: pub, Topic: "dlq", MaxBytes: 1 << 20})
	copying := func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) { return h(msg.Copy()) }
	}
	msg := kafkaclient.FranzMessage(&kgo.Record{Topic: "orders", Key: []byte("order-7"), Value: []byte("{}")})
	if _, err := copying(dl.Middleware(failing))(msg); err != nil {
		t.Fatal(err)
	}
	if len(pub.got) != 1 {
		t.Fatalf("%d dead letters, want 1", len(pub.got))
	}
	r, err := kafkaclient.FranzRecord("dlq", pub.got[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Key == nil {
		t.Fatal("dead letter published without a key after a copy, want order-7")
	}
	if key := r.Key; string(key) != "order-7" { // the same key: the same partition
		t.Errorf("dead letter published with key %q after a copy, want order-7", key)
	}
}

// gathered sums the samples of the metric name in m whose labels include
// the given name/value pairs.
func gathered(t *testing.T, m *metrics.Metrics, name string, labels ...string) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	samples:
		for _, s := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range s.GetLabel() {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue samples
				}
			}
			sum += s.GetCounter().GetValue() + s.GetGauge().GetValue()
		}
	}
	return sum
}
