package track

import (
	"reflect"
	"testing"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

func rec(topic, key, uuid, eventType string, extra ...string) kafkaclient.Record {
	h := map[string]string{kafka.UUIDHeaderKey: uuid, events.HeaderCorrelationID: "corr-" + key, events.HeaderType: eventType}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return kafkaclient.Record{Topic: topic, Key: []byte(key), Headers: h}
}

// Each order settles by its own records only: paid needs shipped and
// notified, declined needs notified, a dead letter settles it; a repeated
// record is a duplicate, a replay marker is not a dead letter.
func TestTrackerSettlesOrderByOrder(t *testing.T) {
	top := config.Topics{Payments: "payments", Shipments: "shipments", Notifications: "notifications", DeadLetter: "dlq"}
	tr := New(top)
	for _, r := range []kafkaclient.Record{
		rec("payments", "paid", "p1", events.TypePaymentSucceeded),
		rec("shipments", "paid", "s1", events.TypeShipmentScheduled),
		rec("notifications", "paid", "n1", events.TypeCustomerNotified),
		rec("notifications", "paid", "n1", events.TypeCustomerNotified), // redelivered
		rec("payments", "declined", "p2", events.TypePaymentDeclined),
		rec("notifications", "declined", "n2", events.TypeCustomerNotified),
		rec("payments", "half", "p3", events.TypePaymentSucceeded),
		rec("shipments", "half", "s3", events.TypeShipmentScheduled),
		rec("dlq", "poison", "d4", events.TypeOrderPlaced, deadletter.HeaderTopic, "orders", deadletter.HeaderErrorKind, "permanent"),
		rec("dlq", "marked", "m5", "", deadletter.HeaderReplayOfPartition, "0", deadletter.HeaderReplayOfOffset, "3"),
	} {
		tr.Add(r)
	}
	if got, want := tr.Unsettled([]string{"paid", "declined", "half", "poison", "marked", "never"}), []string{"half", "marked", "never"}; !reflect.DeepEqual(got, want) {
		t.Errorf("unsettled %v, want %v", got, want)
	}
	paid, _ := tr.Order("paid")
	if paid.Paid != 1 || paid.Shipped != 1 || paid.Notified != 2 || paid.Duplicates() != 1 || !reflect.DeepEqual(paid.Correlations, []string{"corr-paid"}) {
		t.Errorf("paid: %+v, duplicates %d; want 1 paid, 1 shipped, 2 notified of which 1 a duplicate, one correlation ID", paid, paid.Duplicates())
	}
	poison, _ := tr.Order("poison")
	if len(poison.DeadLetters) != 1 || poison.DeadLetters[0].ErrorKind != deadletter.KindPermanent || poison.Duplicates() != 0 {
		t.Errorf("poison: %+v, want one permanent dead letter", poison)
	}
	if _, ok := tr.Order("marked"); ok {
		t.Error("a replay marker was filed as an order's record")
	}
	if n := tr.Notified(); n != 2 {
		t.Errorf("notified %d orders, want 2", n)
	}
}
