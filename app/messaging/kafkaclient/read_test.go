package kafkaclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// ReadToEnd stops at the end it saw when it started, and Tail's goroutines
// all end with its context: neither leaves a goroutine behind.
func TestReadersEndAndLeakNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	// Sarama's metrics library starts one process-wide ticker on first use; it is not ours to end.
	metrics := goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick")
	t.Cleanup(func() { goleak.VerifyNone(t, before, metrics) }) // after every other cleanup: the broker is closed by then
	c := testkit.Embedded(t)
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	prod, err := kafkaclient.NewProducer(c.Conn(t))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	send := func(n int) {
		for range n {
			if err := prod.Send(c.Cfg.Topics.Orders, message.NewMessage("", []byte("x"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(10)

	read := 0
	err = kafkaclient.ReadToEnd(context.Background(), c.Conn(t), c.Cfg.Topics.Orders, func(kafkaclient.Record) error {
		if read == 0 {
			send(5) // written after the read began: not to be read
		}
		read++
		return nil
	})
	if err != nil || read != 10 {
		t.Fatalf("ReadToEnd read %d records (err %v), want the 10 present when it started", read, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	seen := make(chan struct{}, 100)
	done := make(chan error, 1)
	go func() {
		done <- kafkaclient.Tail(ctx, c.Conn(t), []string{c.Cfg.Topics.Orders}, func(kafkaclient.Record) { seen <- struct{}{} })
	}()
	for i := range 15 {
		select {
		case <-seen:
		case <-time.After(10 * time.Second):
			t.Fatalf("Tail delivered %d of 15 records", i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
