package kafkaclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// An output (a message whose context carries its input's Delivery) is counted
// in the Delivery and Publish returns without waiting for the brokers; their
// answer reaches the Delivery: nil once the record is written, the failure
// when it cannot be. Without a Delivery, Publish itself waits and fails.
func TestPublishAnswersThroughTheDelivery(t *testing.T) {
	c := testkit.Embedded(t)
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	pub, err := kafkaclient.NewProducer(c.Conn(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	output := func(d *kafkaclient.Delivery, payload string) *message.Message {
		m := kafkaclient.WithKey(message.NewMessage("", []byte(payload)), "k")
		m.SetContext(kafkaclient.WithDelivery(ctx, d))
		return m
	}

	written := &kafkaclient.Delivery{}
	if err := pub.Publish(c.Cfg.Topics.Payments, output(written, "a"), output(written, "b")); err != nil {
		t.Fatal(err)
	}
	if err := written.Wait(ctx); err != nil {
		t.Fatalf("two outputs to an existing topic: %v", err)
	}
	var read []string
	if err := kafkaclient.ReadToEnd(ctx, c.Conn(t), c.Cfg.Topics.Payments, func(r kafkaclient.Record) error {
		read = append(read, string(r.Value))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(read, ",") != "a,b" {
		t.Errorf("the topic holds %q once the delivery said written, want a,b", read)
	}

	lost := &kafkaclient.Delivery{}
	if err := pub.Publish("no-such-topic", output(lost, "c")); err != nil {
		t.Fatalf("Publish of an output waited for the brokers: %v", err)
	}
	if err := lost.Wait(ctx); err == nil || !strings.Contains(err.Error(), "no-such-topic") {
		t.Errorf("an output to a topic that does not exist: the delivery says %v, want the failure naming the topic", err)
	}

	if err := pub.Publish("no-such-topic", message.NewMessage("", []byte("d"))); err == nil {
		t.Error("Publish of a message without a delivery returned nil for a topic that does not exist")
	}
}

// Wait: at once with nothing on its way; otherwise once the last answer is
// in, with the first failure; or when its context ends.
func TestDeliveryWait(t *testing.T) {
	ctx := context.Background()
	if err := (&kafkaclient.Delivery{}).Wait(ctx); err != nil {
		t.Errorf("no outputs: %v", err)
	}
	d := &kafkaclient.Delivery{}
	d.Sent()
	d.Sent()
	got := make(chan error, 1)
	go func() { got <- d.Wait(ctx) }()
	d.Answered(context.DeadlineExceeded)
	d.Answered(nil)
	if err := <-got; err != context.DeadlineExceeded {
		t.Errorf("one of two failed: %v, want the failure", err)
	}
	pending := &kafkaclient.Delivery{}
	pending.Sent()
	short, cancel := context.WithCancel(ctx)
	cancel()
	if err := pending.Wait(short); err != context.Canceled {
		t.Errorf("never answered, context ended: %v", err)
	}
}
