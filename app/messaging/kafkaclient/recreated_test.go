package kafkaclient_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// An output topic deleted and made again (a new topic ID) fails the sends
// made while it is gone and those on their way, then takes sends again: franz-go never adopts a
// recreated topic's ID by itself, and without the producer's purge every
// send to it failed with UNKNOWN_TOPIC_ID until the process restarted.
func TestProducerFollowsARecreatedTopic(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cluster func(testing.TB) testkit.Cluster
	}{{"embedded", testkit.Embedded}, {"kafka", testkit.Real}} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cluster(t)
			cl, err := kgo.NewClient(c.Conn(t).Franz()...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			adm := kadm.NewClient(cl)
			ctx := context.Background()
			topic := c.Cfg.Topics.Shipments
			create := func() {
				t.Helper()
				resp, err := adm.CreateTopic(ctx, 3, -1, nil, topic)
				if err == nil {
					err = resp.Err
				}
				if err != nil {
					t.Fatalf("create %s: %v", topic, err)
				}
			}
			p, err := kafkaclient.NewProducer(c.Conn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			send := func() error {
				return p.Send(topic, kafkaclient.WithKey(message.NewMessage("", []byte("x")), "k"))
			}
			create()
			// A reader tailing the topic follows it too: it reads the
			// recreated topic from its start.
			var tailed atomic.Int64
			tailCtx, stopTail := context.WithCancel(ctx)
			tailDone := make(chan error, 1)
			go func() {
				tailDone <- kafkaclient.Tail(tailCtx, c.Conn(t), []string{topic}, func(kafkaclient.Record) { tailed.Add(1) })
			}()
			defer func() { stopTail(); <-tailDone }()
			if err := send(); err != nil {
				t.Fatalf("a send to %s: %v", topic, err)
			}
			// The old topic's record read before it goes: else the count
			// below cannot tell it from the recreated topic's.
			testkit.WaitFor(t, 30*time.Second, "Tail reading the first record", func() (bool, string) {
				return tailed.Load() >= 1, fmt.Sprintf("%d records tailed", tailed.Load())
			})
			if _, err := adm.DeleteTopics(ctx, topic); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, 30*time.Second, topic+" gone", func() (bool, string) {
				topics, err := adm.ListTopics(ctx)
				return err == nil && !topics.Has(topic), fmt.Sprint(err)
			})
			// Sends while it is gone fail (each within the delivery timeout).
			if err := send(); err == nil {
				t.Fatalf("a send to %s while it is gone went through", topic)
			}
			create()
			var failures []error
			testkit.WaitFor(t, 30*time.Second, "a send to the recreated "+topic, func() (bool, string) {
				err := send()
				if err != nil {
					failures = append(failures, err)
				}
				return err == nil, fmt.Sprint(err)
			})
			for range 5 {
				if err := send(); err != nil {
					t.Fatalf("a send after one went through: %v", err)
				}
			}
			testkit.WaitFor(t, 30*time.Second, "Tail reading the recreated topic's 6 records", func() (bool, string) {
				return tailed.Load() >= 1+6, fmt.Sprintf("%d records tailed", tailed.Load())
			})
			t.Logf("%d sends failed before the recreated topic took them: %v", len(failures), failures)
		})
	}
}
