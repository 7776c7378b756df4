package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Validate reports every problem in the configuration at once.
func (c Config) Validate() error {
	return errors.Join(
		c.Kafka.validate(),
		c.Topics.validate(),
		c.Retry.validate(),
		c.Handler.validate(),
		c.Delivery.validate(c.Kafka, c.Topics),
		c.Replay.validate(),
		c.Gateway.validate(),
		c.Faults.validate(c.Retry),
		c.Logging.validate(),
		c.HTTP.validate(),
		c.Tracing.validate(),
		c.Console.validate(),
		c.Schemas.validate(),
	)
}

func (k Kafka) validate() error {
	var errs []error
	if len(k.Brokers) == 0 {
		errs = append(errs, errors.New("kafka.brokers is empty"))
	}
	for _, b := range k.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("kafka.brokers: %q is not host:port", b))
		}
	}
	if k.ClientID == "" {
		errs = append(errs, errors.New("kafka.client_id is empty"))
	}
	if k.GroupPrefix != "" && !groupPrefix.MatchString(k.GroupPrefix) {
		errs = append(errs, fmt.Errorf("kafka.group_prefix %q: use at most 200 of the letters, digits and . _ - that Kafka's tools accept in a group name", k.GroupPrefix))
	}
	if !kafkaVersion.MatchString(k.Version) {
		errs = append(errs, fmt.Errorf("kafka.version %q is not a Kafka version such as 3.6.0", k.Version))
	}
	switch k.Client {
	case ClientFranz, ClientWatermillKafka:
	case "sarama":
		errs = append(errs, fmt.Errorf("kafka.client %q is gone: its hand-written subscriber was replaced by %s (the default, franz-go) and %s (the stock watermill-kafka transport, on Sarama)", k.Client, ClientFranz, ClientWatermillKafka))
	default:
		errs = append(errs, fmt.Errorf("kafka.client %q is not %s or %s", k.Client, ClientFranz, ClientWatermillKafka))
	}
	errs = append(errs, k.TLS.validate(), k.SASL.validate())
	if k.Embedded && (k.TLS.Enabled || k.SASL.Mechanism != "") {
		errs = append(errs, errors.New("kafka.embedded: the embedded broker speaks neither TLS nor SASL; turn kafka.tls and kafka.sasl off, or set kafka.embedded to false"))
	}
	return errors.Join(errs...)
}

// The transports kafka.client names.
const (
	ClientFranz          = "franz"
	ClientWatermillKafka = "watermill-kafka"
)

// groupPrefix is what kafka.group_prefix may hold: the characters of a topic
// name, so a group reads the same in every tool and ACL.
var groupPrefix = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,200}$`)

// kafkaVersion is the form Sarama's ParseKafkaVersion accepts: 0.a.b.c for
// releases before 1.0, a.b.c after.
var kafkaVersion = regexp.MustCompile(`^(0\.\d+\.\d+\.\d+|[1-9]\d*\.\d+\.\d+)$`)

func (t Topics) validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, name := range t.All() {
		key := []string{"orders", "payments", "shipments", "notifications", "dead_letter"}[i]
		switch {
		case name == "":
			errs = append(errs, fmt.Errorf("topics.%s is empty", key))
		case seen[name]:
			errs = append(errs, fmt.Errorf("topics.%s: %q is already used by another topic", key, name))
		}
		seen[name] = true
	}
	if t.Partitions < 1 {
		errs = append(errs, fmt.Errorf("topics.partitions %d must be at least 1", t.Partitions))
	}
	if t.ReplicationFactor < 1 {
		errs = append(errs, fmt.Errorf("topics.replication_factor %d must be at least 1", t.ReplicationFactor))
	}
	if t.MinInsyncReplicas < 1 || t.MinInsyncReplicas > t.ReplicationFactor {
		errs = append(errs, fmt.Errorf("topics.min_insync_replicas %d must be between 1 and replication_factor %d", t.MinInsyncReplicas, t.ReplicationFactor))
	}
	if t.DeadLetterRetention <= 0 {
		errs = append(errs, fmt.Errorf("topics.dead_letter_retention %s must be positive", t.DeadLetterRetention))
	}
	return errors.Join(errs...)
}

func (r Retry) validate() error {
	var errs []error
	if r.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("retry.max_attempts %d must be at least 1", r.MaxAttempts))
	}
	if r.InitialInterval <= 0 {
		errs = append(errs, fmt.Errorf("retry.initial_interval %s must be positive", r.InitialInterval))
	}
	if r.MaxInterval < r.InitialInterval {
		errs = append(errs, fmt.Errorf("retry.max_interval %s must be at least initial_interval %s", r.MaxInterval, r.InitialInterval))
	}
	if r.Multiplier < 1 {
		errs = append(errs, fmt.Errorf("retry.multiplier %g must be at least 1", r.Multiplier))
	}
	if r.Jitter < 0 || r.Jitter >= 1 {
		errs = append(errs, fmt.Errorf("retry.jitter %g must be in [0, 1)", r.Jitter))
	}
	return errors.Join(errs...)
}

func (d Delivery) validate(k Kafka, t Topics) error {
	var errs []error
	switch d.Guarantee {
	case AtLeastOnce:
	case ExactlyOnce:
		if k.Client != ClientFranz {
			errs = append(errs, fmt.Errorf("delivery.guarantee %s runs on franz-go's transactions: set kafka.client to %s", ExactlyOnce, ClientFranz))
		}
	default:
		errs = append(errs, fmt.Errorf("delivery.guarantee %q is not %s or %s", d.Guarantee, AtLeastOnce, ExactlyOnce))
	}
	if d.TransactionRecords < 1 {
		errs = append(errs, fmt.Errorf("delivery.transaction_records %d must be at least 1", d.TransactionRecords))
	}
	if d.TransactionWindow < time.Millisecond || d.TransactionWindow > 10*time.Second {
		errs = append(errs, fmt.Errorf("delivery.transaction_window %s must be between 1ms and 10s (a transaction must end well within its 1-minute timeout)", d.TransactionWindow))
	}
	if d.ConcurrentTransactions < 1 || (t.Partitions > 0 && d.ConcurrentTransactions > t.Partitions) {
		errs = append(errs, fmt.Errorf("delivery.concurrent_transactions %d must be between 1 and topics.partitions (%d): each is a member of the step's group", d.ConcurrentTransactions, t.Partitions))
	}
	if strings.ContainsAny(d.Instance, " \t\n") {
		errs = append(errs, fmt.Errorf("delivery.instance %q must not contain white space", d.Instance))
	}
	return errors.Join(errs...)
}

func (h Handler) validate() error {
	var errs []error
	if h.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("handler.timeout %s must be positive", h.Timeout))
	}
	if h.MaxMessageBytes < 1 {
		errs = append(errs, fmt.Errorf("handler.max_message_bytes %d must be positive", h.MaxMessageBytes))
	}
	if h.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("handler.max_in_flight %d must be at least 1", h.MaxInFlight))
	}
	if h.CloseTimeout <= 0 || h.CloseTimeout >= RebalanceTimeout {
		errs = append(errs, fmt.Errorf("handler.close_timeout %s must be positive and under the consumer groups' rebalance timeout %s: a member drains before it rejoins", h.CloseTimeout, RebalanceTimeout))
	}
	return errors.Join(errs...)
}

func (r Replay) validate() error {
	if r.MaxReplays < 1 {
		return fmt.Errorf("replay.max_replays %d must be at least 1", r.MaxReplays)
	}
	return nil
}

func (g Gateway) validate() error {
	var errs []error
	if g.DeclineOverCents < 0 {
		errs = append(errs, fmt.Errorf("gateway.decline_over_cents %d must not be negative", g.DeclineOverCents))
	}
	if g.MemoryRecords < 1 {
		errs = append(errs, fmt.Errorf("gateway.memory_records %d must be at least 1", g.MemoryRecords))
	}
	if g.URL != "" {
		u, err := url.Parse(g.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("gateway.url %q is not an http(s) base URL such as http://gateway:8090", g.URL))
		}
	}
	if g.MaxConnections < 1 {
		errs = append(errs, fmt.Errorf("gateway.max_connections %d must be at least 1", g.MaxConnections))
	}
	if _, _, err := net.SplitHostPort(g.Listen); err != nil {
		errs = append(errs, fmt.Errorf("gateway.listen: %q is not host:port", g.Listen))
	}
	return errors.Join(errs...)
}

// KeepsRecords says what is missing when the gateway's idempotency records
// would live only in this process's memory: neither gateway.url (the gateway
// service keeps them) nor gateway.store_path (a file) is set. serve refuses
// that, since a restart would forget every charge and charge redelivered
// orders again; demo and the in-process tests may run so.
func (g Gateway) KeepsRecords() error {
	if g.URL != "" || g.StorePath != "" {
		return nil
	}
	return errors.New("invalid config:\n  - gateway.url and gateway.store_path are both empty: the gateway's idempotency records would live only in memory, and a restart would charge redelivered orders again; set gateway.url (the gateway service, docs/gateway.md) or gateway.store_path (a file)")
}

func (f Faults) validate(r Retry) error {
	var errs []error
	if f.FlakyFailures < 0 || f.FlakyFailures >= r.MaxAttempts {
		errs = append(errs, fmt.Errorf("faults.flaky_failures %d must be between 0 and retry.max_attempts-1 (%d)", f.FlakyFailures, r.MaxAttempts-1))
	}
	if f.FailFailures < r.MaxAttempts {
		errs = append(errs, fmt.Errorf("faults.fail_failures %d must be at least retry.max_attempts (%d)", f.FailFailures, r.MaxAttempts))
	}
	steps := StepNames()
	names := make([]string, 0, len(f.ErrorRate))
	for name := range f.ErrorRate {
		names = append(names, name)
	}
	sort.Strings(names) // problems in a stable order
	for _, name := range names {
		switch rate := f.ErrorRate[name]; {
		case !slices.Contains(steps, name):
			errs = append(errs, fmt.Errorf("faults.error_rate.%s: no such step (steps: %s)", name, strings.Join(steps, ", ")))
		case rate < 0 || rate > 1:
			errs = append(errs, fmt.Errorf("faults.error_rate.%s %g must be in [0, 1]", name, rate))
		}
	}
	return errors.Join(errs...)
}

func (l Logging) validate() error {
	var errs []error
	switch strings.ToLower(l.Level) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("logging.level %q must be debug, info, warn or error", l.Level))
	}
	if l.Format != "text" && l.Format != "json" {
		errs = append(errs, fmt.Errorf("logging.format %q must be text or json", l.Format))
	}
	return errors.Join(errs...)
}

func (h HTTP) validate() error {
	var errs []error
	if h.Addr != "" {
		if _, _, err := net.SplitHostPort(h.Addr); err != nil {
			errs = append(errs, fmt.Errorf("http.addr: %q is not host:port", h.Addr))
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"read_timeout", h.ReadTimeout}, {"write_timeout", h.WriteTimeout}, {"idle_timeout", h.IdleTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("http.%s %s must be positive", d.key, d.v))
		}
	}
	if h.MaxHeaderBytes < 1024 {
		errs = append(errs, fmt.Errorf("http.max_header_bytes %d must be at least 1024", h.MaxHeaderBytes))
	}
	if h.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("http.max_in_flight %d must be at least 1", h.MaxInFlight))
	}
	if h.MaxConnections <= h.MaxInFlight {
		errs = append(errs, fmt.Errorf("http.max_connections %d must be above max_in_flight %d, so that /healthz and /readyz still get through", h.MaxConnections, h.MaxInFlight))
	}
	return errors.Join(errs...)
}

func (t Tracing) validate() error {
	if t.OTLPEndpoint == "" {
		return nil
	}
	u, err := url.Parse(t.OTLPEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("tracing.otlp_endpoint %q is not an http(s) URL such as http://127.0.0.1:4318", t.OTLPEndpoint)
	}
	return nil
}
