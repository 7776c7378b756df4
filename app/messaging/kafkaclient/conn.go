package kafkaclient

import (
	"log/slog"
	"slices"

	"github.com/IBM/sarama"
	"github.com/rcrowley/go-metrics"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
)

// Conn is how every client here reaches the brokers: their addresses, the
// config they came from (for the hints errors give), the franz-go options
// every client starts from and the one Sarama configuration of the
// watermill-kafka transport, both built once, the TLS files read once. The
// app provides one; the commands make theirs once the brokers answer.
type Conn struct {
	Brokers Brokers
	Kafka   config.Kafka
	franz   []kgo.Opt
	sarama  *sarama.Config
}

// Connect builds the Conn to brokers. It fails only on TLS files that cannot
// be read (config validation has read them once already).
func Connect(brokers Brokers, cfg config.Kafka) (Conn, error) {
	tlsConfig, err := cfg.TLS.ClientConfig()
	if err != nil {
		return Conn{}, err
	}
	return Conn{Brokers: brokers, Kafka: cfg, franz: franzOptions(brokers, cfg, tlsConfig),
		sarama: saramaConfig(cfg, tlsConfig)}, nil
}

// WithLogger returns c with franz-go's warnings and errors written to log.
func (c Conn) WithLogger(log *slog.Logger) Conn {
	c.franz = append(slices.Clip(c.franz), kgo.WithLogger(franzLogger{log.With("component", "franz-go")}))
	return c
}

// Franz returns the options of a new franz-go client: the connection's,
// then extra (a later option overrides an earlier one).
func (c Conn) Franz(extra ...kgo.Opt) []kgo.Opt {
	return append(slices.Clip(c.franz), extra...)
}

// Sarama returns the configuration of one watermill-kafka publisher or
// subscriber: a copy, so that what one client tunes reaches no other, with a
// metric registry of its own.
func (c Conn) Sarama() *sarama.Config {
	cp := *c.sarama
	cp.MetricRegistry = metrics.NewRegistry()
	return &cp
}
