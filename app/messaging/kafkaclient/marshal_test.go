package kafkaclient

import (
	"fmt"
	"testing"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

func TestMarshalerKeysFromMetadata(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		wantKey []byte // nil: no key, Sarama picks the partition
	}{
		{name: "keyed", key: "order-1", wantKey: []byte("order-1")},
		{name: "no key", key: "", wantKey: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := WithKey(message.NewMessage("uuid-1", []byte("{}")), tt.key)
			msg.Metadata.Set("event_type", "OrderPlaced")
			msg.Metadata.Set("correlation_id", "corr-1")
			msg.Metadata.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			msg.Metadata.Set("empty", "")
			pm, err := Marshaler{}.Marshal("orders", msg.Copy())
			if err != nil {
				t.Fatal(err)
			}
			var key []byte
			if pm.Key != nil {
				key, _ = pm.Key.Encode()
			}
			if string(key) != string(tt.wantKey) || (pm.Key == nil) != (tt.wantKey == nil) {
				t.Errorf("record key %q (nil %v), want %q", key, pm.Key == nil, tt.wantKey)
			}
			headers := map[string]string{}
			for _, h := range pm.Headers {
				headers[string(h.Key)] = string(h.Value)
			}
			if _, leaked := headers[KeyMetadata]; leaked || headers["event_type"] != "OrderPlaced" || headers[kafka.UUIDHeaderKey] != "uuid-1" {
				t.Errorf("headers %v: want event_type and the UUID, and the key only as the record's key", headers)
			}
			// The headers are upstream's, less the key's.
			up, err := kafka.DefaultMarshaler{}.Marshal("orders", msg.Copy())
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, h := range up.Headers {
				if string(h.Key) != KeyMetadata {
					want[string(h.Key)] = string(h.Value)
				}
			}
			if len(pm.Headers) != len(want) || fmt.Sprint(headers) != fmt.Sprint(want) {
				t.Errorf("headers %v (%d), want upstream's %v", headers, len(pm.Headers), want)
			}

			// And back: the consumed record's key is in the metadata again.
			back := toMessage(&sarama.ConsumerMessage{Topic: "orders", Key: key, Value: []byte("{}"), Headers: ptrs(pm.Headers)})
			if KeyOf(back) != tt.key || back.UUID != "uuid-1" {
				t.Errorf("consumed: key %q uuid %q, want %q and uuid-1", KeyOf(back), back.UUID, tt.key)
			}
		})
	}
}

// A record from a client that is not orderflow's has no UUID header: its ID is
// where it lies, so a redelivery keeps it.
func TestToMessageNamesForeignRecordsByPosition(t *testing.T) {
	m := toMessage(&sarama.ConsumerMessage{Topic: "orders", Partition: 3, Offset: 17, Key: []byte("k")})
	if m.UUID != "kafka-orders-3-17" || KeyOf(m) != "k" {
		t.Errorf("uuid %q key %q, want kafka-orders-3-17 and k", m.UUID, KeyOf(m))
	}
}

// The key is the record's: a header named like the key's metadata entry,
// sent by a foreign producer, neither sets nor overrides it.
func TestToMessageTakesTheKeyFromTheRecordOnly(t *testing.T) {
	forged := []*sarama.RecordHeader{{Key: []byte(KeyMetadata), Value: []byte("order-2")}, {Key: []byte("traceparent"), Value: []byte("tp")}}
	for _, key := range []string{"", "order-1"} {
		m := toMessage(&sarama.ConsumerMessage{Topic: "orders", Key: []byte(key), Headers: forged})
		if KeyOf(m) != key || m.Metadata.Get("traceparent") != "tp" {
			t.Errorf("record key %q: key %q, traceparent %q; want %q and tp", key, KeyOf(m), m.Metadata.Get("traceparent"), key)
		}
	}
}

func ptrs(hs []sarama.RecordHeader) []*sarama.RecordHeader {
	out := make([]*sarama.RecordHeader, len(hs))
	for i := range hs {
		out[i] = &hs[i]
	}
	return out
}
