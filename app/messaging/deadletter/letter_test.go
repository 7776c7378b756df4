package deadletter

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

func letterRecord() kafkaclient.Record {
	return kafkaclient.Record{
		Topic: "dlq", Partition: 4, Offset: 31, Key: []byte("order-9"), Value: []byte(`{"order_id":"order-9"}`),
		Headers: map[string]string{
			kafka.UUIDHeaderKey: "uuid-9", "correlation_id": "corr-9", "event_type": "OrderPlaced",
			HeaderReason: "charge order order-9: gateway unavailable", HeaderTopic: "orders", HeaderHandler: "payments",
			HeaderSubscriber: "payments", HeaderPartition: "2", HeaderOffset: "77", HeaderTimestamp: "2026-11-23T01:02:03Z",
			HeaderConsumerGroup: "payments", HeaderErrorKind: "retries_exhausted", HeaderErrorType: "*gateway.UnavailableError",
			HeaderAttempts: "5", HeaderFailedAt: "2026-11-23T01:02:04.5Z", HeaderReplayCount: "1",
		},
	}
}

func TestParseReadsEveryHeader(t *testing.T) {
	got := Parse(letterRecord())
	want := Letter{
		UUID: "uuid-9", OrderID: "order-9", CorrelationID: "corr-9", Topic: "orders", Partition: 2, Offset: 77,
		Timestamp: time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC), Key: "order-9", Handler: "payments", ConsumerGroup: "payments",
		ErrorKind: KindRetriesExhausted, ErrorType: "*gateway.UnavailableError", Reason: "charge order order-9: gateway unavailable",
		Attempts: 5, FailedAt: time.Date(2026, 11, 23, 1, 2, 4, 500_000_000, time.UTC), ReplayCount: 1,
		DLQPartition: 4, DLQOffset: 31, Payload: []byte(`{"order_id":"order-9"}`),
		// The original headers, without the dead-letter ones and the UUID: what a replay republishes.
		Headers: map[string]string{"correlation_id": "corr-9", "event_type": "OrderPlaced", HeaderReplayCount: "1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
	if got.Schema() != "-" {
		t.Errorf("Schema() without schema headers = %q, want -", got.Schema())
	}
}

// A letter written with a schema registry names the schema subject and
// version its message was written with (dlq list and the console show it).
func TestParseReadsTheSchema(t *testing.T) {
	r := letterRecord()
	r.Headers["schema_subject"], r.Headers["schema_id"], r.Headers["schema_version"] = "orders-OrderPlaced", "12", "3"
	d := Parse(r)
	if d.SchemaSubject != "orders-OrderPlaced" || d.SchemaVersion != 3 || d.Schema() != "orders-OrderPlaced v3" || d.Headers["schema_id"] != "12" {
		t.Errorf("Parse() schema %q %d (%s), headers %v; want orders-OrderPlaced v3, the headers kept for a replay", d.SchemaSubject, d.SchemaVersion, d.Schema(), d.Headers)
	}
}

func TestFilter(t *testing.T) {
	d := Parse(letterRecord())
	replayed := d
	at := time.Now()
	replayed.ReplayedAt = &at
	tests := []struct {
		name string
		give Filter
		on   Letter
		want bool
	}{
		{name: "empty matches all", give: Filter{}, on: d, want: true},
		{name: "by id", give: Filter{IDs: []string{"x", "uuid-9"}}, on: d, want: true},
		{name: "other id", give: Filter{IDs: []string{"x"}}, on: d, want: false},
		{name: "handler", give: Filter{Handler: "payments"}, on: d, want: true},
		{name: "other handler", give: Filter{Handler: "shipping"}, on: d, want: false},
		{name: "topic", give: Filter{Topic: "payments"}, on: d, want: false},
		{name: "kind, any case", give: Filter{Kind: "RETRIES_EXHAUSTED"}, on: d, want: true},
		{name: "other kind", give: Filter{Kind: "panic"}, on: d, want: false},
		{name: "order", give: Filter{OrderID: "order-9"}, on: d, want: true},
		{name: "other order", give: Filter{OrderID: "order-8"}, on: d, want: false},
		{name: "pending, not replayed", give: Filter{Pending: true}, on: d, want: true},
		{name: "pending, replayed", give: Filter{Pending: true}, on: replayed, want: false},
		{name: "reason text, any case", give: Filter{Reason: "Gateway UNAVAILABLE"}, on: d, want: true},
		{name: "other reason text", give: Filter{Reason: "declined"}, on: d, want: false},
		{name: "failed since", give: Filter{Since: d.FailedAt}, on: d, want: true},
		{name: "failed before since", give: Filter{Since: d.FailedAt.Add(time.Millisecond)}, on: d, want: false},
		{name: "failed before until", give: Filter{Until: d.FailedAt.Add(time.Millisecond)}, on: d, want: true},
		{name: "failed at until", give: Filter{Until: d.FailedAt}, on: d, want: false},
		{name: "every field must match", give: Filter{Handler: "payments", Kind: "panic"}, on: d, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.Match(tt.on); got != tt.want {
				t.Errorf("%+v.Match = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

// A marker names the letter it marks by its place in the dead-letter topic,
// and lies in the letter's partition (same key).
func TestReplayMarkerRoundTrip(t *testing.T) {
	d := Parse(letterRecord())
	when := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	m := newReplayMarker(d, when)
	if kafkaclient.KeyOf(m) != d.Key {
		t.Errorf("marker key %q, want the letter's %q", kafkaclient.KeyOf(m), d.Key)
	}
	rec := kafkaclient.Record{Key: []byte(d.Key), Headers: m.Metadata}
	at, gotWhen, ok := replayMarker(rec)
	if !ok || at != (dlqPosition{4, 31}) || !gotWhen.Equal(when) {
		t.Errorf("marker read back as %+v at %s (%v), want 4/31 at %s", at, gotWhen, ok, when)
	}
	if IsReplayMarker(letterRecord()) {
		t.Error("a dead letter read as a replay marker")
	}
}

func TestReplayRefusesWhatItMustNot(t *testing.T) {
	base := Parse(letterRecord())
	at := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		give func(*Letter)
		want string // "" for replayed
	}{
		{name: "pending", give: func(*Letter) {}, want: ""},
		{name: "replayed already", give: func(d *Letter) { d.ReplayedAt = &at }, want: "replayed already at 2026-11-23T05:00:00Z"},
		{name: "replayed too often", give: func(d *Letter) { d.ReplayCount = 3 }, want: "replayed 3 times already (replay.max_replays 3)"},
		{name: "not orderflow's", give: func(d *Letter) { d.Topic = "" }, want: "no topic_poisoned header"},
		{name: "payload left out", give: func(d *Letter) { d.PayloadOmitted, d.PayloadBytes = "over the producer's limit", 2_000_000 },
			want: "its 2000000-byte payload was left out (over the producer's limit); the original is at orders/2 offset 77"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.give(&d)
			r := results([]Letter{d}, 3)[0]
			if (tt.want == "") != (r.Refused == "") || !strings.Contains(r.Refused, tt.want) {
				t.Errorf("refused %q, want %q", r.Refused, tt.want)
			}
		})
	}
}
