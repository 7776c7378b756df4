package subscriber

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"
)

func TestRedeliveryBacksOffToACap(t *testing.T) {
	r := Redelivery{First: 100 * time.Millisecond, Most: 30 * time.Second}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}
	for i, w := range want {
		if got := r.after(i + 1); got != w*time.Millisecond {
			t.Errorf("after(%d) = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	if got := r.after(1000); got != 30*time.Second {
		t.Errorf("after(1000) = %s, want the cap", got)
	}
}

// deliver waits longer after each nack: the gaps between deliveries are at
// least the policy's (timers never fire early), so a constant delay fails.
func TestDeliverBacksOffAfterEachNack(t *testing.T) {
	defer goleak.VerifyNone(t) // every goroutine a claim starts ends with it
	out := make(chan *message.Message)
	h := &lanes{out: out, settled: func(bool) {}, redeliver: Redelivery{First: 20 * time.Millisecond, Most: time.Second},
		log: slog.New(slog.DiscardHandler)}
	km := &kgo.Record{Topic: "orders", Partition: 1, Offset: 7, Key: []byte("k")}
	acked := make(chan bool, 1)
	go func() { acked <- h.deliver(context.Background(), context.Background(), (*record)(km)) }()

	var times []time.Time
	for i := range 4 {
		msg := <-out
		times = append(times, time.Now())
		if i < 3 {
			msg.Nack()
		} else {
			msg.Ack()
		}
	}
	if !<-acked {
		t.Fatal("deliver did not report the ack")
	}
	for n := 1; n <= 3; n++ {
		if gap, least := times[n].Sub(times[n-1]), h.redeliver.after(n); gap < least {
			t.Errorf("redelivery after nack %d came %s later, want at least %s", n, gap, least)
		}
	}
}
