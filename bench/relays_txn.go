package main

// The relays exactly once: each hop's outputs and the offsets of the inputs
// they came from committed in one Kafka transaction (KIP-447 group metadata
// fencing a zombie), every topic read committed. Like Kafka Streams under
// exactly-once (commit.interval.ms 100), a transaction gathers records for up
// to txnInterval after its first. Not default contenders: a measure of what
// transactions cost each client (--contenders sarama-txn,franz-txn).

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
)

// txnInterval is how long a relay's transaction gathers records after its first.
const txnInterval = 100 * time.Millisecond

// txnRecords is the most records a relay's transaction holds.
const txnRecords = 10_000

// runFranzTxn is the franz-go relay exactly once: one GroupTransactSession
// per hop (it aborts and rewinds a transaction a rebalance cut short).
func runFranzTxn(ctx context.Context, brokers []string, t topics) error {
	return eachHop(t, func(h hop) error {
		sess, err := kgo.NewGroupTransactSession(append(franzRelay(brokers, h),
			kgo.FetchIsolationLevel(kgo.ReadCommitted()),
			kgo.TransactionalID("bench-franz-txn-"+h.group))...)
		if err != nil {
			return err
		}
		defer sess.Close()
		for ctx.Err() == nil {
			fs := sess.PollRecords(ctx, txnRecords)
			if fs.NumRecords() == 0 {
				continue
			}
			if err := sess.Begin(); err != nil {
				return err
			}
			produce := func(fs kgo.Fetches) {
				fs.EachRecord(func(r *kgo.Record) {
					sess.Produce(ctx, &kgo.Record{Topic: h.to, Key: r.Key, Value: r.Value}, nil)
				})
			}
			produce(fs)
			window, cancel := context.WithTimeout(ctx, txnInterval)
			for n := fs.NumRecords(); n < txnRecords && window.Err() == nil; {
				more := sess.PollRecords(window, txnRecords-n)
				produce(more)
				n += more.NumRecords()
			}
			cancel()
			if _, err := sess.End(ctx, kgo.TryCommit); err != nil && ctx.Err() == nil {
				return err
			}
		}
		return nil
	})
}

// runSaramaTxn is the Sarama relay exactly once, the recipe Sarama supports:
// a transactional producer per claimed partition (its ID names the group and
// partition, so the partition's next owner fences it), offsets added with the
// session's group metadata (KIP-447). A failed transaction is aborted and the
// session ended: the partition is consumed again from its committed offset.
func runSaramaTxn(ctx context.Context, brokers []string, t topics) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	return eachHop(t, func(h hop) error {
		group, err := sarama.NewConsumerGroup(brokers, h.group, cfg)
		if err != nil {
			return err
		}
		defer group.Close()
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{h.from}, saramaTxnRelay{brokers: brokers, hop: h}); err != nil {
				return err
			}
		}
		return nil
	})
}

type saramaTxnRelay struct {
	brokers []string
	hop     hop
}

func (saramaTxnRelay) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (saramaTxnRelay) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (r saramaTxnRelay) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Producer.Return.Successes = true
	cfg.Producer.Transaction.ID = fmt.Sprintf("bench-sarama-txn-%s-%d", r.hop.group, claim.Partition())
	cfg.Net.MaxOpenRequests = 1
	prod, err := sarama.NewSyncProducer(r.brokers, cfg)
	if err != nil {
		return err
	}
	defer prod.Close()
	meta := sarama.NewConsumerGroupMetadataFromSession(sess, r.hop.group, nil)
	for first := range claim.Messages() {
		batch := []*sarama.ConsumerMessage{first}
		window := time.NewTimer(txnInterval)
	gather:
		for len(batch) < txnRecords {
			select {
			case m, ok := <-claim.Messages():
				if !ok {
					break gather
				}
				batch = append(batch, m)
			case <-window.C:
				break gather
			}
		}
		window.Stop()
		out := make([]*sarama.ProducerMessage, len(batch))
		for i, m := range batch {
			out[i] = &sarama.ProducerMessage{Topic: r.hop.to, Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value)}
		}
		if err := prod.BeginTxn(); err != nil {
			return err
		}
		err := prod.SendMessages(out)
		if err == nil {
			err = prod.AddMessageToTxnWithGroupMetadata(batch[len(batch)-1], meta, nil)
		}
		if err == nil {
			err = prod.CommitTxn()
		}
		if err != nil {
			if prod.TxnStatus()&sarama.ProducerTxnFlagInError != 0 {
				_ = prod.AbortTxn()
			}
			return fmt.Errorf("partition %d: %w", claim.Partition(), err)
		}
	}
	return nil
}
