package kafkaclient

import (
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/xdg-go/scram"

	"github.com/orderflow/orderflow/app/config"
)

// secure sets c's TLS and SASL from cfg (kafka.tls, kafka.sasl).
func secure(c *sarama.Config, cfg config.Kafka) error {
	tlsConfig, err := cfg.TLS.ClientConfig()
	if err != nil {
		return err
	}
	if tlsConfig != nil {
		c.Net.TLS.Enable, c.Net.TLS.Config = true, tlsConfig
	}
	s := cfg.SASL
	if s.Mechanism == "" {
		return nil
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
	return nil
}

// ExplainDenied names the principal and the ACLs it lacks when the brokers refused
// an operation for want of authorization; other errors pass unchanged.
func ExplainDenied(err error, cfg config.Kafka) error {
	who := "this client"
	if cfg.SASL.Mechanism != "" {
		who = fmt.Sprintf("User:%s", cfg.SASL.Username)
	}
	switch { // Sarama's errors, and franz-go's (kafka.client: franz)
	case errors.Is(err, sarama.ErrClusterAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
		return fmt.Errorf("%s is not authorized by the brokers' ACLs (an idempotent producer needs Write on a topic it produces to): %w", who, err)
	case errors.Is(err, sarama.ErrTopicAuthorizationFailed), errors.Is(err, kerr.TopicAuthorizationFailed):
		return fmt.Errorf("%s is not authorized by the brokers' ACLs for this topic (orderflow needs Describe, Read, Write, and Create to make it): %w", who, err)
	case errors.Is(err, sarama.ErrGroupAuthorizationFailed), errors.Is(err, kerr.GroupAuthorizationFailed):
		return fmt.Errorf("%s is not authorized by the brokers' ACLs for its consumer group (orderflow needs Describe and Read): %w", who, err)
	}
	return err
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
