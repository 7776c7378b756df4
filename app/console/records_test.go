package console

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// base is when the test letters failed, give or take their number.
var base = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

// letterRecord is the dead-letter record the middleware would write for
// order n of kind, at partition p and offset o of the dead-letter topic.
func letterRecord(n int, kind deadletter.Kind, p int32, o int64) kafkaclient.Record {
	order := fmt.Sprintf("ord-%06d", n)
	reason := map[deadletter.Kind]string{
		deadletter.KindRetriesExhausted: fmt.Sprintf("charge order %s: payment gateway unavailable (attempt %d)", order, 5),
		deadletter.KindPermanent:        fmt.Sprintf("payload is not valid JSON (%d bytes)", 40+n%7),
		deadletter.KindPanic:            "panic: gateway simulator: injected panic charging order " + order,
	}[kind]
	typ := map[deadletter.Kind]string{
		deadletter.KindRetriesExhausted: "*gateway.UnavailableError", deadletter.KindPermanent: "*events.DecodeError", deadletter.KindPanic: "panic",
	}[kind]
	return kafkaclient.Record{
		Topic: "dlq", Partition: p, Offset: o, Key: []byte(order), Value: []byte(`{"order_id":"` + order + `"}`),
		Headers: map[string]string{
			kafka.UUIDHeaderKey: fmt.Sprintf("uuid-%06d", n), "correlation_id": "corr-" + order,
			deadletter.HeaderReason: reason, deadletter.HeaderTopic: "orders", deadletter.HeaderHandler: "payments",
			deadletter.HeaderPartition: strconv.Itoa(n % 12), deadletter.HeaderOffset: strconv.Itoa(n),
			deadletter.HeaderErrorKind: string(kind), deadletter.HeaderErrorType: typ, deadletter.HeaderAttempts: "5",
			deadletter.HeaderFailedAt: base.Add(time.Duration(n) * time.Second).Format(time.RFC3339Nano),
		},
	}
}

// markerRecord is the replay marker of the letter at p/o, at offset at.
func markerRecord(p int32, o, at int64, when time.Time) kafkaclient.Record {
	return kafkaclient.Record{Topic: "dlq", Partition: p, Offset: at, Headers: map[string]string{
		deadletter.HeaderReplayOfPartition: strconv.Itoa(int(p)), deadletter.HeaderReplayOfOffset: strconv.FormatInt(o, 10),
		deadletter.HeaderReplayedAt: when.Format(time.RFC3339Nano),
	}}
}

// kindOf is the kind test letter n has: a tenth panics, a fifth is
// permanent, the rest exhausted their retries.
func kindOf(n int) deadletter.Kind {
	switch {
	case n%10 == 0:
		return deadletter.KindPanic
	case n%5 == 0:
		return deadletter.KindPermanent
	}
	return deadletter.KindRetriesExhausted
}

// filled is an index of n letters over 4 partitions.
func filled(n, payloadCap int) *Index {
	x := NewIndex("dlq", payloadCap)
	for i := range n {
		x.Add(letterRecord(i, kindOf(i), int32(i%4), int64(i/4)))
	}
	return x
}
