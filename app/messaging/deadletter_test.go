package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

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
			return fmt.Errorf("cannot produce message %s: %w", m.UUID, sarama.ErrMessageSizeTooLarge)
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
			d := deadLetter{pub: pub, topic: "dlq", maxBytes: tt.maxBytes, log: slog.New(slog.DiscardHandler), now: time.Now}
			msg := message.NewMessage("uuid-1", []byte(strings.Repeat("x", tt.payload)))
			msg.SetContext(withOrigin(context.Background(), &sarama.ConsumerMessage{Key: []byte("order-7"), Partition: 3, Offset: 42}))
			produced, err := d.middleware(failing)(msg)
			if err != nil || produced != nil {
				t.Fatalf("middleware = %v, %v; want the message acknowledged (nil, nil)", produced, err)
			}
			if len(pub.got) != 1 {
				t.Fatalf("%d dead letters published, want 1", len(pub.got))
			}
			dl := pub.got[0]
			if string(keyOf(dl)) != "order-7" || dl.UUID != "uuid-1" {
				t.Errorf("dead letter key %q uuid %q, want order-7 and uuid-1", keyOf(dl), dl.UUID)
			}
			if got := dl.Metadata.Get(HeaderPayloadOmitted); got != tt.wantOmitted {
				t.Errorf("%s = %q, want %q", HeaderPayloadOmitted, got, tt.wantOmitted)
			}
			if tt.wantOmitted == "" {
				if len(dl.Payload) != tt.payload {
					t.Errorf("payload %d bytes, want the original %d", len(dl.Payload), tt.payload)
				}
				return
			}
			if len(dl.Payload) != 0 || dl.Metadata.Get(HeaderPayloadBytes) != fmt.Sprint(tt.payload) || len(dl.Metadata.Get(HeaderPayloadSHA256)) != 64 {
				t.Errorf("payload %d bytes, %s %q, %s %q; want none, %d and a SHA-256", len(dl.Payload),
					HeaderPayloadBytes, dl.Metadata.Get(HeaderPayloadBytes), HeaderPayloadSHA256, dl.Metadata.Get(HeaderPayloadSHA256), tt.payload)
			}
			if dl.Metadata.Get(HeaderReason) != "payload too large" || dl.Metadata.Get(HeaderPartition) != "3" || dl.Metadata.Get(HeaderOffset) != "42" {
				t.Errorf("reason %q, partition %q, offset %q: want the reason and where the original lies (3, 42)",
					dl.Metadata.Get(HeaderReason), dl.Metadata.Get(HeaderPartition), dl.Metadata.Get(HeaderOffset))
			}
		})
	}
}

// A dead letter that cannot be written leaves the message unacknowledged: Kafka
// delivers it again, nothing is lost.
func TestDeadLetterThatFailsIsNotAcknowledged(t *testing.T) {
	pub := &sizedPublisher{limit: 1 << 20, fail: errors.New("topic dlq does not exist")}
	d := deadLetter{pub: pub, topic: "dlq", maxBytes: 1 << 20, log: slog.New(slog.DiscardHandler), now: time.Now}
	_, err := d.middleware(failing)(message.NewMessage("uuid-1", []byte("{}")))
	if err == nil || !strings.Contains(err.Error(), "publish dead letter: topic dlq does not exist") {
		t.Fatalf("middleware error = %v, want the publish failure so the message is nacked", err)
	}
}
