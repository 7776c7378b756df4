// Package config is orderflow's one typed configuration: config.yaml, decoded
// strictly, overridden from ORDERFLOW_* environment variables, validated once
// with every problem reported together.
package config

import "time"

// Config is the whole configuration. Each section validates itself.
type Config struct {
	Kafka    Kafka    `yaml:"kafka"`
	Topics   Topics   `yaml:"topics"`
	Retry    Retry    `yaml:"retry"`
	Handler  Handler  `yaml:"handler"`
	Delivery Delivery `yaml:"delivery"`
	Replay   Replay   `yaml:"replay"`
	Gateway  Gateway  `yaml:"gateway"`
	Faults   Faults   `yaml:"faults"`
	Logging  Logging  `yaml:"logging"`
	HTTP     HTTP     `yaml:"http"`
	Tracing  Tracing  `yaml:"tracing"`
	Console  Console  `yaml:"console"`
	Schemas  Schemas  `yaml:"schemas"`
}

// Kafka says how to reach the brokers.
type Kafka struct {
	// Brokers are host:port addresses. With Embedded they are where the
	// in-process broker listens (port 0 picks a free port).
	Brokers []string `yaml:"brokers"`
	// Embedded hosts an in-memory Kafka-protocol cluster inside serve and demo.
	Embedded bool   `yaml:"embedded"`
	ClientID string `yaml:"client_id"`
	// GroupPrefix goes before each step's consumer group name (payments,
	// shipping, notifications): two pipelines on one cluster, on topics of
	// their own, keep their groups (and offsets, rebalances, lag) apart.
	GroupPrefix string `yaml:"group_prefix"`
	// Version is the Kafka protocol version the watermill-kafka transport's
	// Sarama client speaks, e.g. "3.6.0" (franz-go negotiates its own).
	Version string `yaml:"version"`
	// Client is the transport the pipeline's steps consume and publish with:
	// "franz" (franz-go with keyed lanes, the offset window and completion
	// tokens; the default, and the only one with exactly_once) or
	// "watermill-kafka" (the stock watermill-kafka/v3 publisher and
	// subscriber, the reference a Watermill user would write). Topic
	// creation, readiness, lag, seed and dlq use franz-go either way.
	Client string `yaml:"client"`
	// TLS and SASL secure the connection to the brokers (security.go).
	TLS  TLS  `yaml:"tls"`
	SASL SASL `yaml:"sasl"`
}

// Group is the consumer group the step consumes in: its name after
// kafka.group_prefix.
func (k Kafka) Group(step string) string { return k.GroupPrefix + step }

// Topics names the pipeline's topics and how they are created.
type Topics struct {
	Orders            string `yaml:"orders"`
	Payments          string `yaml:"payments"`
	Shipments         string `yaml:"shipments"`
	Notifications     string `yaml:"notifications"`
	DeadLetter        string `yaml:"dead_letter"`
	Partitions        int    `yaml:"partitions"`
	ReplicationFactor int    `yaml:"replication_factor"`
	MinInsyncReplicas int    `yaml:"min_insync_replicas"`
	// DeadLetterRetention keeps dead letters long enough to be looked at and replayed.
	DeadLetterRetention time.Duration `yaml:"dead_letter_retention"`
}

// All lists every topic orderflow uses, the dead-letter topic last.
func (t Topics) All() []string {
	return []string{t.Orders, t.Payments, t.Shipments, t.Notifications, t.DeadLetter}
}

// Retry is the budget for transient failures.
type Retry struct {
	// MaxAttempts counts every attempt, the first included.
	MaxAttempts     int           `yaml:"max_attempts"`
	InitialInterval time.Duration `yaml:"initial_interval"`
	MaxInterval     time.Duration `yaml:"max_interval"`
	Multiplier      float64       `yaml:"multiplier"`
	// Jitter randomises each delay by ± this fraction.
	Jitter float64 `yaml:"jitter"`
}

// RebalanceTimeout is how long a consumer group waits for its members to
// rejoin in a rebalance. A member drains first, so handler.close_timeout must
// stay under it, or the member is expelled while it drains.
const RebalanceTimeout = 60 * time.Second

// Handler bounds the work on one message.
type Handler struct {
	// Timeout bounds one attempt.
	Timeout time.Duration `yaml:"timeout"`
	// MaxMessageBytes is the largest payload a step accepts; a larger one is dead-lettered.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// MaxInFlight is how many messages of one partition are handled at once.
	// Messages with the same key (one order's) are handled one at a time, in order.
	MaxInFlight int `yaml:"max_in_flight"`
	// CloseTimeout bounds how long shutdown waits for messages in flight.
	CloseTimeout time.Duration `yaml:"close_timeout"`
}

// Delivery is the steps' delivery guarantee.
type Delivery struct {
	// Guarantee is "at_least_once" (the default: an input's offset is
	// committed once its outputs are acknowledged; a crash repeats some
	// outputs) or "exactly_once" (each step's outputs, dead letters and input
	// offsets are committed in one Kafka transaction; needs kafka.client:
	// franz).
	Guarantee string `yaml:"guarantee"`
	// Instance names this process among the others of the deployment, for
	// exactly_once's transactional IDs (<client_id>-<instance>-<step>-<n>): stable
	// across its restarts, unique among the processes running at once. Empty:
	// the host name (a container's, a pod's).
	Instance string `yaml:"instance"`
	// TransactionRecords is the most input records one transaction takes
	// (exactly_once): what arrives within TransactionWindow of its first, up
	// to this. A transaction's end costs about the same whatever its size, so
	// under a backlog larger ones go faster; at a steady rate the window ends
	// it first.
	TransactionRecords int `yaml:"transaction_records"`
	// TransactionWindow is how long a transaction gathers records after its
	// first (exactly_once). The records are handled as they arrive; the
	// window delays the commit, so every order waits up to it at each step:
	// shorter is lower latency, longer fewer transactions for the brokers
	// (Kafka Streams commits every 100 ms under exactly-once).
	TransactionWindow time.Duration `yaml:"transaction_window"`
	// ConcurrentTransactions is how many transactions each step keeps open
	// at once (exactly_once): as many members of its consumer group, each
	// with its own transactional ID, <client_id>-<instance>-<step>-<n>.
	// While one ends its transaction the others handle records.
	ConcurrentTransactions int `yaml:"concurrent_transactions"`
}

// The delivery guarantees delivery.guarantee names.
const (
	AtLeastOnce = "at_least_once"
	ExactlyOnce = "exactly_once"
)

// Replay bounds dead-letter replays.
type Replay struct {
	// MaxReplays is how often one message may be replayed before replay refuses it.
	MaxReplays int `yaml:"max_replays"`
}

// Gateway configures the payment gateway: the simulator (in serve, or served
// by the gateway command) and how serve reaches it.
type Gateway struct {
	// URL is the gateway service serve charges through (orderflow gateway, or
	// a provider behind the same API; docs/gateway.md), e.g.
	// http://gateway:8090. Empty, serve runs the simulator in-process.
	URL string `yaml:"url"`
	// MaxConnections bounds the connections serve keeps open to URL; a call
	// past it waits for one, within handler.timeout.
	MaxConnections int `yaml:"max_connections"`
	// Listen is host:port the gateway command serves the simulator on.
	Listen string `yaml:"listen"`
	// DeclineOverCents declines every order whose total is above it.
	DeclineOverCents int64 `yaml:"decline_over_cents"`
	// StorePath keeps idempotency records in a file that outlives orderflow; empty keeps them in memory.
	StorePath string `yaml:"store_path"`
	// MemoryRecords bounds the orders remembered, in memory or in the store
	// file's index: past it, the oldest order's record is forgotten, as a real
	// provider expires idempotency keys. A redelivery comes within seconds,
	// long before that.
	MemoryRecords int `yaml:"memory_records"`
}

// Faults tunes injected failures: test machinery, off unless Inject is set.
type Faults struct {
	// Inject honours the fault header seed puts on the orders it wants to
	// fail. Off, the header is just a header: nothing a producer
	// writes can make the service fail on purpose. demo, the tests and the
	// Docker stack turn it on.
	Inject bool `yaml:"inject"`
	// FlakyFailures is how many attempts of a flaky order fail before one succeeds.
	FlakyFailures int `yaml:"flaky_failures"`
	// FailFailures is how many attempts of a fail order fail: at least the retry
	// budget, so it is dead-lettered; a replay after that succeeds.
	FailFailures int `yaml:"fail_failures"`
	// ErrorRate makes each step fail at random, for chaos runs.
	ErrorRate ErrorRate `yaml:"error_rate"`
}

// ErrorRate is a probability of a transient error per step, from 0 to 1,
// keyed by the step's name (StepNames).
type ErrorRate map[string]float64

// Logging configures log/slog.
type Logging struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// HTTP configures the endpoints serve answers on: /healthz, /readyz, /metrics
// and POST /orders.
type HTTP struct {
	// Addr is host:port to listen on; port 0 picks a free port, empty serves nothing.
	Addr string `yaml:"addr"`
	// ReadTimeout bounds reading one whole request, headers and body: a
	// client that sends slowly is cut off.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds a request from the end of its headers to the end of
	// its answer (POST /orders waits for the brokers' acknowledgement within it).
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes a keep-alive connection with no request for this long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds a request's header lines.
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxInFlight bounds the requests handled at once, /healthz and /readyz
	// aside: one more is answered 503 with Retry-After at once.
	MaxInFlight int `yaml:"max_in_flight"`
	// MaxConnections bounds the open connections: one more is answered 503
	// with Retry-After and closed, never left waiting.
	MaxConnections int `yaml:"max_connections"`
}

// Tracing configures OpenTelemetry. Trace context (traceparent) travels on
// every event whatever is set here; spans are recorded only with an endpoint.
type Tracing struct {
	// OTLPEndpoint is the OTLP/HTTP collector spans are exported to: a base
	// URL such as http://127.0.0.1:4318 (spans go to its /v1/traces) or the
	// full traces URL; empty records and exports nothing.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
}

// Console configures the dead-letter console served under /console/ on
// http.addr (docs/console.md).
type Console struct {
	// Enabled serves the console; off, serve answers no /console/ paths.
	Enabled bool `yaml:"enabled"`
	// Token is the operator credential replay asks for. It comes from
	// ORDERFLOW_CONSOLE_TOKEN or TokenFile, never from a config file; without
	// it the console is read-only.
	Token     Secret `yaml:"token"`
	TokenFile string `yaml:"token_file"`
	// IndexPayloadBytes is the largest payload the console's index keeps in
	// memory; a larger one is read back from the topic when its letter is shown.
	IndexPayloadBytes int `yaml:"index_payload_bytes"`
	// Wait bounds how long a page waits for the index to reach the end of the
	// dead-letter topic before it answers with what is wrong.
	Wait time.Duration `yaml:"wait"`
}
