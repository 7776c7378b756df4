package handling

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/tracing"
	"github.com/orderflow/orderflow/events"
)

const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// traceOf reads the trace and span IDs a message carries.
func traceOf(t *testing.T, msg *message.Message) trace.SpanContext {
	t.Helper()
	sc := trace.SpanContextFromContext(tracing.Extract(context.Background(), msg))
	if !sc.IsValid() {
		t.Fatalf("message %s carries no trace context (traceparent %q)", msg.UUID, msg.Metadata.Get(tracing.HeaderTraceparent))
	}
	return sc
}

// Without an exporter nothing is recorded, yet the traceparent an input came
// with travels to its outputs and its dead letter unchanged; with one, each
// message gets a span, child of the carried context, and its outputs and
// dead letter carry that span.
func TestTraceContextTravels(t *testing.T) {
	for _, recorded := range []bool{false, true} {
		t.Run(map[bool]string{false: "no exporter", true: "exporter"}[recorded], func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			var tp trace.TracerProvider = noop.NewTracerProvider() // as the app has it without an exporter
			if recorded {
				tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			}
			pub := &sizedPublisher{limit: 1 << 20}
			dl := newDeadLetter(t, DeadLetterConfig{Publisher: pub, Topic: "dlq", MaxBytes: 1 << 20})
			mw := Chain(ChainConfig{Retry: config.Retry{MaxAttempts: 1, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Multiplier: 1},
				Timeout: time.Second, DeadLetter: dl, Tracer: tp})
			run := func(h message.HandlerFunc, msg *message.Message) []*message.Message {
				for i := len(mw) - 1; i >= 0; i-- {
					h = mw[i](h)
				}
				out, err := h(msg)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			in := func() *message.Message {
				m := message.NewMessage("in-1", []byte("{}"))
				m.Metadata.Set(tracing.HeaderTraceparent, parent)
				return m
			}
			out := run(func(*message.Message) ([]*message.Message, error) {
				return []*message.Message{message.NewMessage("out-1", nil)}, nil
			}, in())
			run(func(*message.Message) ([]*message.Message, error) {
				return nil, events.Permanent(errors.New("invalid order"))
			}, in())
			carried := traceOf(t, in())
			for name, got := range map[string]trace.SpanContext{"output": traceOf(t, out[0]), "dead letter": traceOf(t, pub.got[0])} {
				if got.TraceID() != carried.TraceID() {
					t.Errorf("%s: trace %s, want the carried %s", name, got.TraceID(), carried.TraceID())
				}
				if !recorded && got.SpanID() != carried.SpanID() {
					t.Errorf("%s: span %s, want the carried %s unchanged (nothing recorded)", name, got.SpanID(), carried.SpanID())
				}
			}
			spans := exp.GetSpans()
			if !recorded {
				if len(spans) != 0 {
					t.Errorf("%d spans recorded without an exporter", len(spans))
				}
				return
			}
			if len(spans) != 2 {
				t.Fatalf("%d spans, want one per message", len(spans))
			}
			for i, s := range spans {
				if s.Parent.SpanID() != carried.SpanID() || s.SpanContext.TraceID() != carried.TraceID() {
					t.Errorf("span %d: parent %s in trace %s, want the carried context", i, s.Parent.SpanID(), s.SpanContext.TraceID())
				}
			}
			if got := traceOf(t, out[0]).SpanID(); got != spans[0].SpanContext.SpanID() {
				t.Errorf("output carries span %s, want its handler's span %s", got, spans[0].SpanContext.SpanID())
			}
			if got := traceOf(t, pub.got[0]).SpanID(); got != spans[1].SpanContext.SpanID() {
				t.Errorf("dead letter carries span %s, want its handler's span %s", got, spans[1].SpanContext.SpanID())
			}
			if spans[1].Status.Code != codes.Error || len(spans[1].Events) == 0 || spans[1].Events[0].Name != "dead-lettered" {
				t.Errorf("the dead-lettered message's span: status %v, events %v; want an error and a dead-lettered event", spans[1].Status, spans[1].Events)
			}
		})
	}
}
