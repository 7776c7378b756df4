package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topics are one contender's five topics, named after a prefix so no two
// runs share a topic (or, for the relays, a consumer group).
type topics struct{ prefix, orders, payments, shipments, notifications, deadLetter string }

func topicsFor(prefix string) topics {
	return topics{prefix, prefix + "orders", prefix + "payments", prefix + "shipments", prefix + "notifications", prefix + "dlq"}
}

func (t topics) all() []string {
	return []string{t.orders, t.payments, t.shipments, t.notifications, t.deadLetter}
}

// createTopics creates a run's topics (replication 3, min.insync.replicas 2)
// and returns once every broker knows them.
func createTopics(ctx context.Context, cl *kgo.Client, t topics, partitions int) error {
	adm := kadm.NewClient(cl)
	rf := int16(3)
	resp, err := adm.CreateTopics(ctx, int32(partitions), rf, map[string]*string{"min.insync.replicas": ptr("2")}, t.all()...)
	if err != nil {
		return err
	}
	for _, r := range resp {
		if r.Err != nil {
			return fmt.Errorf("create %s: %w", r.Topic, r.Err)
		}
	}
	return awaitTopics(ctx, cl, t, partitions)
}

// awaitTopics waits until every broker's metadata holds the new topics with a
// leader for each partition. A contender started earlier can miss them: a
// librdkafka consumer that subscribes while its broker does not know the topic
// yet looks again only at topic.metadata.refresh.interval.ms (5 minutes).
func awaitTopics(ctx context.Context, cl *kgo.Client, t topics, partitions int) error {
	req := metadataRequest(t.all())
	known := func(b *kgo.Broker) bool {
		resp, err := b.Request(ctx, req)
		if err != nil {
			return false
		}
		for _, rt := range resp.(*kmsg.MetadataResponse).Topics {
			if rt.ErrorCode != 0 || len(rt.Partitions) != partitions {
				return false
			}
			for _, p := range rt.Partitions {
				if p.ErrorCode != 0 || p.Leader < 0 {
					return false
				}
			}
		}
		return len(resp.(*kmsg.MetadataResponse).Topics) == len(req.Topics)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		brokers, err := kadm.NewClient(cl).BrokerMetadata(ctx)
		if err != nil {
			return err
		}
		all := len(brokers.Brokers) > 0
		for _, b := range brokers.Brokers {
			all = all && known(cl.Broker(int(b.NodeID)))
		}
		if all {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %s*: not known to every broker a minute after their creation", t.prefix)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// metadataRequest asks for these topics' metadata only.
func metadataRequest(names []string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	for _, n := range names {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(n)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

// deleteTopics removes a run's topics, so that later runs meet a cluster no
// busier than the first did.
func deleteTopics(cl *kgo.Client, t topics) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = kadm.NewClient(cl).DeleteTopics(ctx, t.all()...)
}

func ptr(s string) *string { return &s }
