package codec

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// derivedID is exactly uuid.NewSHA1 over the OID name space, short seeds and
// seeds longer than its stack buffer alike.
func TestDerivedIDIsUUIDv5(t *testing.T) {
	for _, seed := range []string{"", "a", "3f2c1e7a-8d4b-4c2a-9f1e-0b5d6c7e8f90/payments", strings.Repeat("x", 200)} {
		if got, want := derivedID(seed), uuid.NewSHA1(uuid.NameSpaceOID, []byte(seed)).String(); got != want {
			t.Errorf("derivedID(%q) = %s, want %s", seed, got, want)
		}
	}
}

// An order without placed_at is dated by its record's timestamp; one with it
// keeps its own.
func TestOrderWithoutPlacedAtIsDatedByItsRecord(t *testing.T) {
	record := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	km := &sarama.ConsumerMessage{Timestamp: record}
	for _, tt := range []struct {
		name, placedAt string
		want           time.Time
	}{
		{"without", "", record},
		{"with", `,"placed_at":"2026-12-01T09:00:00Z"`, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
	} {
		msg := message.NewMessage("m", []byte(`{"order_id":"o-1","customer_id":"c","email":"c@example.com","currency":"EUR","items":[{"sku":"A","quantity":1,"price_cents":100}],"total_cents":100`+tt.placedAt+`}`))
		msg.SetContext(kafkaclient.WithDelivery(context.Background(), kafkaclient.NewDelivery(kafkaclient.Origin{Timestamp: km.Timestamp})))
		ev, err := Decode(msg, events.TypeOrderPlaced, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.(events.OrderPlaced).PlacedAt; !got.Equal(tt.want) {
			t.Errorf("%s placed_at: %s, want %s", tt.name, got, tt.want)
		}
	}
}
