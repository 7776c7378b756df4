package kafkaclient

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/orderflow/orderflow/app/config"
)

// ExplainDenied names the principal and the ACLs it lacks when the brokers refused
// an operation for want of authorization; other errors pass unchanged.
func ExplainDenied(err error, cfg config.Kafka) error {
	who := "this client"
	if cfg.SASL.Mechanism != "" {
		who = fmt.Sprintf("User:%s", cfg.SASL.Username)
	}
	switch { // franz-go's errors, and Sarama's (the watermill-kafka transport)
	case errors.Is(err, kerr.ClusterAuthorizationFailed), errors.Is(err, sarama.ErrClusterAuthorizationFailed):
		return fmt.Errorf("%s is not authorized by the brokers' ACLs (an idempotent producer needs Write on a topic it produces to): %w", who, err)
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, sarama.ErrTopicAuthorizationFailed):
		return fmt.Errorf("%s is not authorized by the brokers' ACLs for this topic (orderflow needs Describe, Read, Write, and Create to make it): %w", who, err)
	case errors.Is(err, kerr.GroupAuthorizationFailed), errors.Is(err, sarama.ErrGroupAuthorizationFailed):
		return fmt.Errorf("%s is not authorized by the brokers' ACLs for its consumer group (orderflow needs Describe and Read): %w", who, err)
	}
	return err
}

// TooLarge reports whether err is the producer's or the brokers' refusal of
// a record over their size limit, on either transport.
func TooLarge(err error) bool {
	return errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, sarama.ErrMessageSizeTooLarge)
}
