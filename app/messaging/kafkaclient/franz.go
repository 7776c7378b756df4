package kafkaclient

import (
	"context"
	"crypto/tls"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/orderflow/orderflow/app/config"
)

// franzOptions are the options every franz-go client here starts from (Conn
// keeps them): the brokers, TLS and SASL of kafka.*, and how the steps
// produce and consume. A client adds its own (a group, a transactional ID).
func franzOptions(brokers Brokers, cfg config.Kafka, tlsConfig *tls.Config) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(cfg.ClientID),
		// Producer: acks=all and idempotence are franz-go's defaults. The
		// key's partition is Sarama's (FNV-1a), so the watermill-kafka
		// transport puts one order's events in the same partition. A record
		// is sent as soon as its partition has no request in flight, not
		// after a linger; no compression.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(fnv32a))),
		kgo.ProducerLinger(0),
		// No compression, said as no preference: NoCompression() would be a
		// slice every client built from these options rewrites in place
		// (franz-go's DefaultCompressor), a data race when two start at once.
		kgo.ProducerBatchCompression(),
		// An output the brokers cannot take within this is failed, and so
		// its input redelivered, rather than retried for ever.
		kgo.RecordDeliveryTimeout(30 * time.Second),
		// Consumer: the earliest offset for a new group, round-robin
		// assignment (a group can mix members of both transports while one
		// is swapped for the other), the rebalance bound validation keeps
		// handler.close_timeout under, and fetches of 256 KiB a partition (a
		// consumed record pins its fetch's memory).
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.Balancers(kgo.RoundRobinBalancer()),
		kgo.RebalanceTimeout(config.RebalanceTimeout),
		// A member that died (kill -9) is noticed within 10 s, not
		// franz-go's 45 s, and its partitions move on.
		kgo.SessionTimeout(10 * time.Second),
		kgo.HeartbeatInterval(3 * time.Second),
		kgo.FetchMaxPartitionBytes(256 << 10),
		kgo.FetchMaxBytes(2 << 20),
		// Only committed records are read: with delivery.guarantee
		// exactly_once an aborted transaction's outputs are never seen; with
		// at_least_once nothing is produced in a transaction, and read
		// committed reads everything.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	}
	if tlsConfig != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsConfig))
	}
	s := cfg.SASL
	switch s.Mechanism {
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: s.Username, Pass: s.Password.Reveal()}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: s.Username, Pass: s.Password.Reveal()}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: s.Username, Pass: s.Password.Reveal()}.AsSha512Mechanism()))
	}
	return opts
}

func fnv32a(b []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(b)
	return h.Sum32()
}

// franzLogger writes franz-go's warnings and errors to slog; its info and
// debug lines (every connection, every fetch) are left out.
type franzLogger struct{ log *slog.Logger }

func (franzLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l franzLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelWarn
	if level == kgo.LogLevelError {
		lv = slog.LevelError
	}
	l.log.Log(context.Background(), lv, msg, keyvals...)
}
