package handling

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/app/tracing"
)

// DeadLetter publishes a message that failed for good to the dead-letter topic
// and lets the partition move on. It is Watermill's PoisonQueue with more to
// say. If the dead letter cannot be published the error stands, the message is
// not acknowledged, and Kafka delivers it again: nothing is lost. A message
// whose context ended (the router is shutting down) is not dead-lettered either.
// A dead letter is always writable: one larger than the producer's limit, or
// refused by the brokers as too large, goes without its payload rather than
// stalling its partition for good.
type DeadLetter struct{ cfg DeadLetterConfig }

// DeadLetterConfig configures the dead-letter middleware.
type DeadLetterConfig struct {
	Publisher message.Publisher
	Topic     string
	// Kafka names a letter's consumer group: every handler consumes in
	// the group Kafka.Group gives its name.
	Kafka config.Kafka
	// MaxBytes is the largest record the producer sends
	// (kafkaclient.MaxRecordBytes); a larger letter goes without its payload.
	MaxBytes int
	Logger   *slog.Logger     // default: discarded
	Now      func() time.Time // default: time.Now
	Metrics  *metrics.Metrics // counts letters by handler and kind; nil: none
}

func (c *DeadLetterConfig) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports every problem with c at once.
func (c DeadLetterConfig) Validate() error {
	var errs []error
	if c.Publisher == nil {
		errs = append(errs, errors.New("dead letter: no publisher"))
	}
	if c.Topic == "" {
		errs = append(errs, errors.New("dead letter: no topic"))
	}
	if c.MaxBytes < 1 {
		errs = append(errs, fmt.Errorf("dead letter: MaxBytes %d must be positive", c.MaxBytes))
	}
	return errors.Join(errs...)
}

// NewDeadLetter returns the dead-letter middleware configured by cfg.
func NewDeadLetter(cfg DeadLetterConfig) (*DeadLetter, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &DeadLetter{cfg: cfg}, nil
}

// Middleware is the dead-letter middleware.
func (d *DeadLetter) Middleware(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		ctx, attempts := withAttemptCounter(msg.Context())
		msg.SetContext(ctx)

		produced, err := h(msg)
		if err == nil || ctx.Err() != nil {
			return produced, err
		}
		dl := d.letter(msg, err, *attempts)
		if recordBytes(dl) > d.cfg.MaxBytes {
			dl = withoutPayload(dl, fmt.Sprintf("over the producer's limit of %d bytes", d.cfg.MaxBytes))
		}
		pubErr := d.cfg.Publisher.Publish(d.cfg.Topic, dl)
		if kafkaclient.TooLarge(pubErr) && len(dl.Payload) > 0 {
			dl = withoutPayload(dl, "refused by the brokers as too large")
			pubErr = d.cfg.Publisher.Publish(d.cfg.Topic, dl)
		}
		if pubErr != nil {
			return nil, errors.Join(err, fmt.Errorf("publish dead letter: %w", pubErr))
		}
		span := trace.SpanFromContext(ctx)
		span.SetStatus(codes.Error, "dead-lettered: "+dl.Metadata.Get(deadletter.HeaderReason))
		span.AddEvent("dead-lettered", trace.WithAttributes(attribute.String("orderflow.error_kind", dl.Metadata.Get(deadletter.HeaderErrorKind))))
		d.cfg.Metrics.DeadLettered(dl.Metadata.Get(deadletter.HeaderHandler), dl.Metadata.Get(deadletter.HeaderErrorKind))
		d.cfg.Logger.WarnContext(ctx, "dead-lettered",
			"handler", dl.Metadata.Get(deadletter.HeaderHandler), "message_uuid", msg.UUID,
			"key", kafkaclient.KeyOf(dl), "error_kind", dl.Metadata.Get(deadletter.HeaderErrorKind),
			"attempts", *attempts, "reason", dl.Metadata.Get(deadletter.HeaderReason))
		return nil, nil
	}
}

// letter copies msg (UUID, payload, metadata with the key) and adds why and
// where it failed.
func (d *DeadLetter) letter(msg *message.Message, err error, attempts int) *message.Message {
	ctx := msg.Context()
	dl := msg.Copy()
	// With exactly_once the letter joins its input's transaction: it is
	// committed with the input's offset, or not at all.
	dl.SetContext(kafkaclient.TxnOf(ctx))
	set := dl.Metadata.Set
	kind := kindOf(err)
	handler := message.HandlerNameFromCtx(ctx)
	set(deadletter.HeaderReason, reason(err))
	set(deadletter.HeaderTopic, message.SubscribeTopicFromCtx(ctx))
	set(deadletter.HeaderHandler, handler)
	set(deadletter.HeaderSubscriber, message.SubscriberNameFromCtx(ctx))
	set(deadletter.HeaderConsumerGroup, d.cfg.Kafka.Group(handler))
	set(deadletter.HeaderErrorKind, string(kind))
	set(deadletter.HeaderErrorType, typeOf(err))
	set(deadletter.HeaderAttempts, strconv.Itoa(attempts))
	set(deadletter.HeaderFailedAt, d.cfg.Now().UTC().Format(time.RFC3339Nano))
	if o, consumed := kafkaclient.OriginFrom(ctx); consumed {
		set(deadletter.HeaderPartition, strconv.Itoa(int(o.Partition)))
		set(deadletter.HeaderOffset, strconv.FormatInt(o.Offset, 10))
		set(deadletter.HeaderTimestamp, o.Timestamp.UTC().Format(time.RFC3339Nano))
	}
	var p middleware.RecoveredPanicError
	if errors.As(err, &p) {
		set(deadletter.HeaderStack, p.Stacktrace)
	}
	tracing.Inject(ctx, dl) // the handler's span, where tracing recorded one
	return dl
}

// recordBytes is a record's size as the producer counts it, give or take its
// framing: value, key (in the metadata), and each header's key and value, plus a margin.
func recordBytes(msg *message.Message) int {
	n := len(msg.Payload) + len(msg.UUID) + recordOverhead
	for k, v := range msg.Metadata {
		n += len(k) + len(v) + headerOverhead
	}
	return n
}

const (
	recordOverhead = 512 // batch and record framing, and the UUID header's key
	headerOverhead = 10  // a header's varint lengths
)

// withoutPayload is dl with its payload dropped and described: its size, its
// SHA-256 and why; the letter's other headers say where the original lies.
func withoutPayload(dl *message.Message, why string) *message.Message {
	sum := sha256.Sum256(dl.Payload)
	out := dl.Copy()
	out.SetContext(dl.Context()) // its transaction, if any
	out.Payload = nil
	out.Metadata.Set(deadletter.HeaderPayloadOmitted, why)
	out.Metadata.Set(deadletter.HeaderPayloadBytes, strconv.Itoa(len(dl.Payload)))
	out.Metadata.Set(deadletter.HeaderPayloadSHA256, hex.EncodeToString(sum[:]))
	return out
}

// reason is the error's message on one line; a panic's stack goes to its own header.
func reason(err error) string {
	var p middleware.RecoveredPanicError
	if errors.As(err, &p) {
		return fmt.Sprintf("panic: %v", p.V)
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
