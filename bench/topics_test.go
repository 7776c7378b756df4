package main

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/orderflow/orderflow/app/broker"
	"github.com/orderflow/orderflow/app/config"
)

// After createTopics, every broker, asked on its own, knows every topic with
// all its partitions; awaitTopics does not return for topics nobody created.
func TestCreateTopicsReturnsOnceEveryBrokerKnowsThem(t *testing.T) {
	cfg := config.Default().Kafka
	cfg.Brokers = []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}
	e, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	tp := topicsFor("await-")
	if err := createTopics(ctx, cl, tp, 6); err != nil {
		t.Fatal(err)
	}
	req := metadataRequest(tp.all())
	for _, addr := range e.Addrs() {
		one, err := kgo.NewClient(kgo.SeedBrokers(addr))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := one.SeedBrokers()[0].Request(ctx, req) // this broker, no other
		one.Close()
		if err != nil {
			t.Fatalf("metadata from %s: %v", addr, err)
		}
		got := map[string]int{}
		for _, rt := range resp.(*kmsg.MetadataResponse).Topics {
			if rt.ErrorCode == 0 {
				got[*rt.Topic] = len(rt.Partitions)
			}
		}
		for _, n := range tp.all() {
			if got[n] != 6 {
				t.Errorf("%s via %s: %d partitions known, want 6", n, addr, got[n])
			}
		}
	}
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	if err := awaitTopics(short, cl, topicsFor("never-created-"), 6); err == nil {
		t.Error("awaitTopics returned nil for topics that were never created")
	}
}
