// Package kafkaclient is orderflow's Kafka client code: the one connection
// value (franz-go options and the watermill-kafka transport's Sarama
// configuration), the franz-go producer that counts outputs in their input's
// Delivery, topic creation, the broker probe, consumer lag, and the readers
// that hand records over as orderflow's own Record. It is the only package
// here that imports Sarama, and only to configure watermill-kafka.
package kafkaclient

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"time"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"

	"github.com/orderflow/orderflow/app/config"
)

// Brokers are the addresses clients dial: the configured ones, or the embedded
// broker's once it listens.
type Brokers []string

// CommitInterval is how often marked offsets are committed: a crash redoes at
// most the work acknowledged within it (plus what was in flight).
const CommitInterval = 250 * time.Millisecond

// saramaConfig is the configuration of the watermill-kafka transport
// (kafka.client: watermill-kafka), the one Sarama configuration (Conn keeps
// it). Each setting that differs from Sarama's or watermill-kafka's default
// says why; they match franzOptions'.
func saramaConfig(cfg config.Kafka, tlsConfig *tls.Config) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = cfg.ClientID
	// watermill-kafka defaults to 1.0, which Kafka 4 no longer accepts.
	c.Version, _ = sarama.ParseKafkaVersion(cfg.Version) // validated in config

	// Producer: a message counts as sent once every in-sync replica has it, and
	// retries cannot duplicate or reorder it. The key's partition is the
	// same as franz-go's (SaramaCompatHasher over FNV-1a).
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1 // Sarama requires 1 with idempotence
	c.Producer.Retry.Max = 10
	c.Producer.Retry.Backoff = 100 * time.Millisecond
	c.Producer.Return.Successes = true // watermill-kafka's SyncProducer needs it
	c.Producer.Partitioner = sarama.NewHashPartitioner

	// Consumer: a new group starts at the earliest offset, so orders seeded
	// before it first joined are not skipped. watermill-kafka marks an
	// offset once the router acked its message; marks are committed four
	// times a second.
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.AutoCommit.Enable = true
	c.Consumer.Offsets.AutoCommit.Interval = CommitInterval
	c.Consumer.Return.Errors = true
	// Committed records only: an aborted transaction's outputs (written while
	// the pipeline ran exactly_once on franz) are never handled.
	c.Consumer.IsolationLevel = sarama.ReadCommitted
	// 256 KiB a partition, as franz-go's fetches: a consumed message pins its
	// whole fetch response.
	c.Consumer.Fetch.Default = 256 << 10
	// Round robin, as franz-go's members: a group can mix members of both
	// transports while one is swapped for the other.
	c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRoundRobin()}
	c.Consumer.Group.Rebalance.Timeout = config.RebalanceTimeout

	c.Metadata.Retry.Max = 10
	c.Metadata.Retry.Backoff = 250 * time.Millisecond

	if tlsConfig != nil {
		c.Net.TLS.Enable, c.Net.TLS.Config = true, tlsConfig
	}
	s := cfg.SASL
	if s.Mechanism == "" {
		return c
	}
	c.Net.SASL.Enable = true
	c.Net.SASL.Handshake = true
	c.Net.SASL.User, c.Net.SASL.Password = s.Username, s.Password.Reveal()
	switch s.Mechanism {
	case "PLAIN":
		c.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case "SCRAM-SHA-256":
		c.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.HashGeneratorFcn(sha256.New)} }
	case "SCRAM-SHA-512":
		c.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.HashGeneratorFcn(sha512.New)} }
	}
	return c
}

// scramClient is Sarama's SCRAMClient over github.com/xdg-go/scram, as in
// Sarama's own SASL/SCRAM example.
type scramClient struct {
	hash scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func (x *scramClient) Begin(user, password, authzID string) error {
	client, err := x.hash.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	x.conv = client.NewConversation()
	return nil
}

func (x *scramClient) Step(challenge string) (string, error) { return x.conv.Step(challenge) }
func (x *scramClient) Done() bool                            { return x.conv.Done() }
