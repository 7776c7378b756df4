package kafkaclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/IBM/sarama"
)

// StartTimeout bounds each step of Probe: connecting to a broker, then its
// answer. A command whose brokers do not answer fails within 2 × StartTimeout.
const StartTimeout = 5 * time.Second

// Probe asks every broker for its API versions at once and returns nil as soon
// as one answers. Otherwise, within 2 × StartTimeout or when ctx ends, it
// returns an error naming each address and why it did not answer: a command
// fails fast on brokers that are down, unreachable or silent (a port that
// accepts connections and never answers), where Sarama alone would retry for
// minutes.
func Probe(ctx context.Context, c Conn) error {
	ctx, cancel := context.WithTimeoutCause(ctx, 2*StartTimeout, fmt.Errorf("no broker answered within %s", 2*StartTimeout))
	defer cancel()
	return answering(ctx, c.Brokers, probeConfig(c, StartTimeout))
}

// probeConfig bounds connecting and each request by timeout, and leaves the
// API versions request to the probe: Sarama would send its own first.
func probeConfig(c Conn, timeout time.Duration) *sarama.Config {
	sc := c.Sarama()
	sc.Net.DialTimeout, sc.Net.ReadTimeout, sc.Net.WriteTimeout = timeout, timeout, timeout
	sc.ApiVersionsRequest = false
	return sc
}

// Prober returns a probe of the brokers whose every step is bounded by
// timeout, for repeated use (the readiness check).
func Prober(c Conn, timeout time.Duration) func(context.Context) error {
	sc := probeConfig(c, timeout)
	return func(ctx context.Context) error { return answering(ctx, c.Brokers, sc) }
}

// answering is Probe with a given configuration. Each broker's attempt ends by
// its own timeouts; the results channel has room for all, so none blocks.
func answering(ctx context.Context, brokers Brokers, cfg *sarama.Config) error {
	type result struct {
		addr string
		err  error
	}
	results := make(chan result, len(brokers))
	for _, addr := range brokers {
		go func() { results <- result{addr, apiVersions(addr, cfg)} }()
	}
	var errs []error
	for range brokers {
		select {
		case r := <-results:
			if r.err == nil {
				return nil
			}
			errs = append(errs, fmt.Errorf("%s: %w", r.addr, r.err))
		case <-ctx.Done():
			errs = append(errs, context.Cause(ctx))
			return fmt.Errorf("no broker answered: %w", errors.Join(append(errs, fmt.Errorf("brokers %v", []string(brokers)))...))
		}
	}
	return fmt.Errorf("no broker answered: %w", errors.Join(errs...))
}

// apiVersions asks the broker at addr for its API versions, then for its
// metadata (the topics this client may see): the second request is refused
// until the connection is authenticated, so TLS and SASL settings are proven
// here, not at first use.
func apiVersions(addr string, cfg *sarama.Config) error {
	b := sarama.NewBroker(addr)
	if err := b.Open(cfg); err != nil {
		return explain(err, cfg)
	}
	defer b.Close()
	if _, err := b.ApiVersions(&sarama.ApiVersionsRequest{}); err != nil {
		return explain(err, cfg)
	}
	_, err := b.GetMetadata(&sarama.MetadataRequest{Version: 1})
	return explain(err, cfg)
}

// explain adds to a broker's refusal what in orderflow's config to look at.
func explain(err error, cfg *sarama.Config) error {
	var unknownCA x509.UnknownAuthorityError
	var badCert *tls.CertificateVerificationError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sarama.ErrSASLAuthenticationFailed):
		return fmt.Errorf("SASL authentication failed for user %q with %s: check kafka.sasl.username and its password: %w", cfg.Net.SASL.User, cfg.Net.SASL.Mechanism, err)
	case errors.As(err, &unknownCA), errors.As(err, &badCert):
		return fmt.Errorf("the broker's TLS certificate is not trusted: check kafka.tls.ca_file and kafka.tls.server_name: %w", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		switch {
		case !cfg.Net.TLS.Enable:
			return fmt.Errorf("the broker closed the connection: if its listener is TLS (SSL or SASL_SSL), set kafka.tls.enabled; if it requires SASL, set kafka.sasl.mechanism: %w", err)
		case !cfg.Net.SASL.Enable:
			return fmt.Errorf("the broker closed the connection: if it requires SASL, set kafka.sasl.mechanism: %w", err)
		default:
			return fmt.Errorf("the broker closed the connection: check that its listener speaks TLS and SASL %s: %w", cfg.Net.SASL.Mechanism, err)
		}
	}
	return err
}
