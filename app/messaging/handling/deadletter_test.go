package handling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// sizedPublisher keeps what it publishes and refuses, as the brokers do, a
// record over limit bytes; fail makes every publish fail.
type sizedPublisher struct {
	limit int
	fail  error
	got   []*message.Message
}

func (p *sizedPublisher) Publish(_ string, msgs ...*message.Message) error {
	for _, m := range msgs {
		if p.fail != nil {
			return p.fail
		}
		if len(m.Payload) > p.limit {
			return fmt.Errorf("cannot produce message %s: %w", m.UUID, kerr.MessageTooLarge)
		}
		p.got = append(p.got, m)
	}
	return nil
}

func (p *sizedPublisher) Close() error { return nil }

func failing(*message.Message) ([]*message.Message, error) {
	return nil, events.Permanent(errors.New("payload too large"))
}

func TestDeadLetterIsAlwaysWritable(t *testing.T) {
	tests := []struct {
		name        string
		payload     int // bytes
		maxBytes    int // the producer's limit
		brokerLimit int // the largest payload the publisher takes
		wantOmitted string
	}{
		{name: "fits", payload: 100, maxBytes: 10_000, brokerLimit: 10_000},
		{name: "over the producer's limit", payload: 20_000, maxBytes: 10_000, brokerLimit: 1 << 20, wantOmitted: "over the producer's limit of 10000 bytes"},
		{name: "refused by the brokers", payload: 5_000, maxBytes: 10_000, brokerLimit: 4_000, wantOmitted: "refused by the brokers as too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &sizedPublisher{limit: tt.brokerLimit}
			d := newDeadLetter(t, DeadLetterConfig{Publisher: pub, Topic: "dlq", MaxBytes: tt.maxBytes})
			km := &kgo.Record{Key: []byte("order-7"), Partition: 3, Offset: 42, Value: []byte(strings.Repeat("x", tt.payload))}
			msg := kafkaclient.FranzMessage(km)
			msg.UUID = "uuid-1"
			msg.SetContext(kafkaclient.WithDelivery(context.Background(), kafkaclient.NewDelivery(kafkaclient.Origin{Partition: km.Partition, Offset: km.Offset})))
			produced, err := d.Middleware(failing)(msg)
			if err != nil || produced != nil {
				t.Fatalf("middleware = %v, %v; want the message acknowledged (nil, nil)", produced, err)
			}
			if len(pub.got) != 1 {
				t.Fatalf("%d dead letters published, want 1", len(pub.got))
			}
			dl := pub.got[0]
			if kafkaclient.KeyOf(dl) != "order-7" || dl.UUID != "uuid-1" {
				t.Errorf("dead letter key %q uuid %q, want order-7 and uuid-1", kafkaclient.KeyOf(dl), dl.UUID)
			}
			if got := dl.Metadata.Get(deadletter.HeaderPayloadOmitted); got != tt.wantOmitted {
				t.Errorf("%s = %q, want %q", deadletter.HeaderPayloadOmitted, got, tt.wantOmitted)
			}
			if tt.wantOmitted == "" {
				if len(dl.Payload) != tt.payload {
					t.Errorf("payload %d bytes, want the original %d", len(dl.Payload), tt.payload)
				}
				return
			}
			if len(dl.Payload) != 0 || dl.Metadata.Get(deadletter.HeaderPayloadBytes) != fmt.Sprint(tt.payload) || len(dl.Metadata.Get(deadletter.HeaderPayloadSHA256)) != 64 {
				t.Errorf("payload %d bytes, %s %q, %s %q; want none, %d and a SHA-256", len(dl.Payload),
					deadletter.HeaderPayloadBytes, dl.Metadata.Get(deadletter.HeaderPayloadBytes), deadletter.HeaderPayloadSHA256, dl.Metadata.Get(deadletter.HeaderPayloadSHA256), tt.payload)
			}
			if dl.Metadata.Get(deadletter.HeaderReason) != "payload too large" || dl.Metadata.Get(deadletter.HeaderPartition) != "3" || dl.Metadata.Get(deadletter.HeaderOffset) != "42" {
				t.Errorf("reason %q, partition %q, offset %q: want the reason and where the original lies (3, 42)",
					dl.Metadata.Get(deadletter.HeaderReason), dl.Metadata.Get(deadletter.HeaderPartition), dl.Metadata.Get(deadletter.HeaderOffset))
			}
		})
	}
}

// A dead letter that cannot be written leaves the message unacknowledged: Kafka
// delivers it again, nothing is lost.
func TestDeadLetterThatFailsIsNotAcknowledged(t *testing.T) {
	pub := &sizedPublisher{limit: 1 << 20, fail: errors.New("topic dlq does not exist")}
	d := newDeadLetter(t, DeadLetterConfig{Publisher: pub, Topic: "dlq", MaxBytes: 1 << 20})
	_, err := d.Middleware(failing)(message.NewMessage("uuid-1", []byte("{}")))
	if err == nil || !strings.Contains(err.Error(), "publish dead letter: topic dlq does not exist") {
		t.Fatalf("middleware error = %v, want the publish failure so the message is nacked", err)
	}
}

func newDeadLetter(t *testing.T, cfg DeadLetterConfig) *DeadLetter {
	t.Helper()
	d, err := NewDeadLetter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
