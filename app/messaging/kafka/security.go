package kafka

import (
	"crypto/sha256"
	"crypto/sha512"

	"github.com/IBM/sarama"
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
