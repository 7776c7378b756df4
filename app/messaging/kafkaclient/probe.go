package kafkaclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// StartTimeout bounds each step of Probe: connecting to a broker, then its
// answer. A command whose brokers do not answer fails within 2 × StartTimeout.
const StartTimeout = 5 * time.Second

// Probe asks every broker for its API versions and metadata at once and
// returns nil as soon as one answers. Otherwise, within 2 × StartTimeout or
// when ctx ends, it returns an error naming each address and why it did not
// answer: a command fails fast on brokers that are down, unreachable or
// silent (a port that accepts connections and never answers), where a client
// alone would retry for minutes.
func Probe(ctx context.Context, c Conn) error {
	ctx, cancel := context.WithTimeoutCause(ctx, 2*StartTimeout, fmt.Errorf("no broker answered within %s", 2*StartTimeout))
	defer cancel()
	return Prober(c, StartTimeout)(ctx)
}

// Prober returns a probe of the brokers whose every step is bounded by
// timeout, for repeated use (the readiness check).
func Prober(c Conn, timeout time.Duration) func(context.Context) error {
	return func(ctx context.Context) error { return answering(ctx, c, timeout) }
}

// answering asks each broker at once. Each broker's attempt ends by its own
// timeout; the results channel has room for all, so none blocks.
func answering(ctx context.Context, c Conn, timeout time.Duration) error {
	type result struct {
		addr string
		err  error
	}
	results := make(chan result, len(c.Brokers))
	for _, addr := range c.Brokers {
		go func() { results <- result{addr, metadata(ctx, c, addr, timeout)} }()
	}
	var errs []error
	for range c.Brokers {
		select {
		case r := <-results:
			if r.err == nil {
				return nil
			}
			errs = append(errs, fmt.Errorf("%s: %w", r.addr, r.err))
		case <-ctx.Done():
			errs = append(errs, context.Cause(ctx))
			return fmt.Errorf("no broker answered: %w", errors.Join(append(errs, fmt.Errorf("brokers %v", []string(c.Brokers)))...))
		}
	}
	return fmt.Errorf("no broker answered: %w", errors.Join(errs...))
}

// metadata asks the broker at addr for its metadata, once, within timeout:
// franz-go sends its API versions request and authenticates first, so TLS
// and SASL settings are proven here, not at first use.
func metadata(ctx context.Context, c Conn, addr string, timeout time.Duration) error {
	cl, err := kgo.NewClient(c.Franz(kgo.SeedBrokers(addr), kgo.DialTimeout(timeout),
		kgo.RequestRetries(0), kgo.RetryTimeout(timeout), kgo.RequestTimeoutOverhead(timeout))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // none: the brokers only
	_, err = req.RequestWith(ctx, cl)
	if err != nil && !c.Kafka.TLS.Enabled && speaksTLS(ctx, addr, timeout) {
		return fmt.Errorf("the broker answers in TLS: its listener is TLS (SSL or SASL_SSL), set kafka.tls.enabled; if it requires SASL, set kafka.sasl.mechanism: %w", err)
	}
	return explain(err, c)
}

// speaksTLS reports whether the listener at addr completes a TLS handshake
// (or answers one with a TLS alert): a plaintext client's requests to it
// fail in ways franz-go reports only in words. Nothing is sent after the
// handshake, and the certificate is not checked: this only names the
// listener's protocol.
func speaksTLS(ctx context.Context, addr string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer raw.Close()
	conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // detects the protocol; no data is exchanged
	var alert tls.AlertError
	err = conn.HandshakeContext(ctx)
	return err == nil || errors.As(err, &alert)
}

// explain adds to a broker's refusal what in orderflow's config to look at.
func explain(err error, c Conn) error {
	var unknownCA x509.UnknownAuthorityError
	var badCert *tls.CertificateVerificationError
	tlsOn, sasl := c.Kafka.TLS.Enabled, c.Kafka.SASL
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return fmt.Errorf("SASL authentication failed for user %q with %s: check kafka.sasl.username and its password: %w", sasl.Username, sasl.Mechanism, err)
	case errors.As(err, &unknownCA), errors.As(err, &badCert):
		return fmt.Errorf("the broker's TLS certificate is not trusted: check kafka.tls.ca_file and kafka.tls.server_name: %w", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		switch {
		case !tlsOn:
			return fmt.Errorf("the broker closed the connection: if its listener is TLS (SSL or SASL_SSL), set kafka.tls.enabled; if it requires SASL, set kafka.sasl.mechanism: %w", err)
		case sasl.Mechanism == "":
			return fmt.Errorf("the broker closed the connection: if it requires SASL, set kafka.sasl.mechanism: %w", err)
		default:
			return fmt.Errorf("the broker closed the connection: check that its listener speaks TLS and SASL %s: %w", sasl.Mechanism, err)
		}
	}
	return ExplainDenied(err, c.Kafka)
}
