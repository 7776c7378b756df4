package kafka

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
)

// NewPublisher returns a Watermill publisher with acks=all, idempotence and keys.
func NewPublisher(c Conn, log watermill.LoggerAdapter) (*wkafka.Publisher, error) {
	pub, err := wkafka.NewPublisher(wkafka.PublisherConfig{
		Brokers:               c.Brokers,
		Marshaler:             Marshaler{},
		OverwriteSaramaConfig: c.Sarama(),
	}, log)
	if err != nil {
		return nil, fmt.Errorf("kafka publisher: %w", ExplainDenied(err, c.Kafka))
	}
	return pub, nil
}
