package handling

import (
	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/tracing"
	"github.com/orderflow/orderflow/events"
)

// traced runs each message in a span of its handler, a child of the trace
// context the message carries (traceparent), and writes that span's context
// onto every message the handler produces; the dead-letter middleware writes
// it onto the letter. With the no-op provider (no exporter) the span is the
// carried context itself: the trace ID travels unchanged, nothing is recorded,
// and no span, options or attributes are built for it (a tenth of a
// message-hop's allocations).
func traced(tp trace.TracerProvider) message.HandlerMiddleware {
	if _, off := tp.(noop.TracerProvider); tp == nil || off {
		return propagated
	}
	tracer := tp.Tracer("github.com/orderflow/orderflow")
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			ctx := tracing.Extract(msg.Context(), msg)
			handler := message.HandlerNameFromCtx(ctx)
			ctx, span := tracer.Start(ctx, handler+" process",
				trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(
					attribute.String("messaging.system", "kafka"),
					attribute.String("messaging.operation.type", "process"),
					attribute.String("messaging.destination.name", message.SubscribeTopicFromCtx(ctx)),
					attribute.String("messaging.consumer.group.name", handler),
					attribute.String("messaging.message.id", msg.UUID),
					attribute.String("messaging.kafka.message.key", kafkaclient.KeyOf(msg)),
					attribute.String("orderflow.correlation_id", msg.Metadata.Get(events.HeaderCorrelationID)),
				))
			defer span.End()
			msg.SetContext(ctx)
			produced, err := h(msg)
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			for _, p := range produced {
				tracing.Inject(ctx, p)
			}
			return produced, err
		}
	}
}

// propagated carries the message's trace context, unchanged, onto every
// message the handler produces: traced without spans.
func propagated(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		ctx := tracing.Extract(msg.Context(), msg)
		msg.SetContext(ctx)
		produced, err := h(msg)
		for _, p := range produced {
			tracing.Inject(ctx, p)
		}
		return produced, err
	}
}
