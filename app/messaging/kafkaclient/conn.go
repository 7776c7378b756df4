package kafkaclient

import (
	"github.com/IBM/sarama"
	"github.com/rcrowley/go-metrics"

	"github.com/orderflow/orderflow/app/config"
)

// Conn is how every client here reaches the brokers: their addresses, the
// config they came from (for the hints errors give) and the one Sarama
// configuration, built once, its TLS files read once. The app provides one;
// the commands make theirs once the brokers answer.
type Conn struct {
	Brokers Brokers
	Kafka   config.Kafka
	sarama  *sarama.Config
}

// Connect builds the Conn to brokers. It fails only on TLS files that cannot
// be read (config validation has read them once already).
func Connect(brokers Brokers, cfg config.Kafka) (Conn, error) {
	sc, err := saramaConfig(cfg)
	if err != nil {
		return Conn{}, err
	}
	return Conn{Brokers: brokers, Kafka: cfg, sarama: sc}, nil
}

// Sarama returns the configuration for one client: a copy, so that what one
// client tunes reaches no other, with a metric registry of its own.
func (c Conn) Sarama() *sarama.Config {
	cp := *c.sarama
	cp.MetricRegistry = metrics.NewRegistry()
	return &cp
}
