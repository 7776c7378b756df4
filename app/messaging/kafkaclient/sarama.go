// Package kafkaclient is orderflow's Kafka client code: the one Sarama
// configuration, the publisher and producer with the key carried in metadata,
// topic creation, the broker probe and readers that hand records over as
// orderflow's own Record. Nothing above it imports Sarama.
package kafkaclient

import (
	"time"

	"github.com/IBM/sarama"

	"github.com/orderflow/orderflow/app/config"
)

// Brokers are the addresses clients dial: the configured ones, or the embedded
// broker's once it listens.
type Brokers []string

// CommitInterval is how often marked offsets are committed: a crash redoes at
// most the work acknowledged within it (plus what was in flight).
const CommitInterval = 250 * time.Millisecond

// saramaConfig is the one Sarama configuration every client here starts from
// (Conn keeps it): router, producer, topic creation, readers, probe and lag
// all reach the brokers with the same TLS and SASL settings. Each setting that
// differs from Sarama's or watermill-kafka's default says why.
func saramaConfig(cfg config.Kafka) (*sarama.Config, error) {
	c := sarama.NewConfig()
	c.ClientID = cfg.ClientID
	// watermill-kafka defaults to 1.0, which Kafka 4 no longer accepts.
	c.Version, _ = sarama.ParseKafkaVersion(cfg.Version) // validated in config

	// Producer: a message counts as sent once every in-sync replica has it, and
	// retries cannot duplicate or reorder it.
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1 // Sarama requires 1 with idempotence
	c.Producer.Retry.Max = 10
	c.Producer.Retry.Backoff = 100 * time.Millisecond
	c.Producer.Return.Successes = true
	c.Producer.Partitioner = sarama.NewHashPartitioner

	// Consumer: a new group starts at the earliest offset, so orders seeded
	// before it first joined are not skipped. Offsets are marked only after a
	// message's outputs are published, and committed four times a second: a
	// crash redoes at most that much work.
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.AutoCommit.Enable = true
	c.Consumer.Offsets.AutoCommit.Interval = CommitInterval
	c.Consumer.Return.Errors = true
	// Every reader here (the tracker, dlq, lag's end offsets) reads committed
	// records only: an aborted transaction's outputs (delivery.guarantee
	// exactly_once) are never counted or listed. Records produced outside a
	// transaction are committed as they are written.
	c.Consumer.IsolationLevel = sarama.ReadCommitted
	// A fetch asks for up to 256 KiB per partition, not Sarama's 1 MiB: a
	// consumed message pins its whole fetch response, and with a backlog every
	// partition holds one behind the messages in flight (peak RSS draining
	// 200,000 orders: 394 MiB at 1 MiB). A larger message still gets through:
	// Sarama doubles the size for it.
	c.Consumer.Fetch.Default = 256 << 10
	c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRoundRobin()}
	// A member drains its messages in flight (handler.close_timeout) before it
	// rejoins; config validation keeps that under this bound.
	c.Consumer.Group.Rebalance.Timeout = config.RebalanceTimeout

	c.Metadata.Retry.Max = 10
	c.Metadata.Retry.Backoff = 250 * time.Millisecond
	return c, secure(c, cfg)
}
