package messaging

import (
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/config"
)

// NewPublisher returns a Watermill publisher with acks=all, idempotence and keys.
func NewPublisher(brokers Brokers, cfg config.Kafka, log watermill.LoggerAdapter) (*kafka.Publisher, error) {
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:               brokers,
		Marshaler:             marshaler{},
		OverwriteSaramaConfig: SaramaConfig(cfg),
	}, log)
	if err != nil {
		return nil, fmt.Errorf("kafka publisher: %w", err)
	}
	return pub, nil
}

// WatermillLogger adapts log to Watermill, one level quieter: Watermill's info
// lines (subscribing, reconnecting) are debug detail here.
func WatermillLogger(log *slog.Logger) watermill.LoggerAdapter {
	return watermill.NewSlogLoggerWithLevelMapping(log.With("component", "watermill"), map[slog.Level]slog.Level{
		slog.LevelInfo: slog.LevelDebug,
	})
}
