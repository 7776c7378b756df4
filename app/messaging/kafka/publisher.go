package kafka

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/config"
)

// NewPublisher returns a Watermill publisher with acks=all, idempotence and keys.
func NewPublisher(brokers Brokers, cfg config.Kafka, log watermill.LoggerAdapter) (*wkafka.Publisher, error) {
	sc, err := SaramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	pub, err := wkafka.NewPublisher(wkafka.PublisherConfig{
		Brokers:               brokers,
		Marshaler:             Marshaler{},
		OverwriteSaramaConfig: sc,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("kafka publisher: %w", Refused(err, cfg))
	}
	return pub, nil
}
