// Package tracing carries W3C trace context (traceparent, tracestate) through
// the pipeline and, when tracing.otlp_endpoint is set, records an
// OpenTelemetry span per handler and exports it over OTLP/HTTP. With no
// endpoint nothing is recorded or exported, yet the trace context an order
// came with still travels on every event and dead letter derived from it.
package tracing

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/orderflow/orderflow/app/config"
)

// HeaderTraceparent is W3C Trace Context's header.
const HeaderTraceparent = "traceparent"

// NewProvider returns the tracer provider for cfg: an SDK provider exporting
// in batches over OTLP/HTTP to cfg.OTLPEndpoint, or a no-op one when it is
// empty. shutdown flushes and stops it.
func NewProvider(cfg config.Tracing, opts ...sdktrace.TracerProviderOption) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	if cfg.OTLPEndpoint == "" && len(opts) == 0 {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	if cfg.OTLPEndpoint != "" {
		exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(tracesURL(cfg.OTLPEndpoint)))
		if err != nil {
			return nil, nil, fmt.Errorf("otlp exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	sdk := sdktrace.NewTracerProvider(opts...)
	return sdk, sdk.Shutdown, nil
}

// tracesURL is where spans go for endpoint: a collector's base URL
// (http://host:4318) gets OTLP's /v1/traces, as OTEL_EXPORTER_OTLP_ENDPOINT
// does; a URL with a path is used as it is. The exporter itself would post a
// base URL's spans to "/".
func tracesURL(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && strings.Trim(u.Path, "/") == "" {
		u.Path = "/v1/traces"
		return u.String()
	}
	return endpoint
}

// Extract returns ctx with the remote span context msg carries, if any. A
// message's metadata is a map[string]string: OTel's MapCarrier reads and
// writes it as it is.
func Extract(ctx context.Context, msg *message.Message) context.Context {
	return propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier(msg.Metadata))
}

// Inject writes the span context of ctx into msg's metadata. A ctx without a
// valid span context writes nothing.
func Inject(ctx context.Context, msg *message.Message) {
	propagation.TraceContext{}.Inject(ctx, propagation.MapCarrier(msg.Metadata))
}

// ExtractHTTP returns ctx with the remote span context an HTTP request's
// headers carry, if any.
func ExtractHTTP(ctx context.Context, h http.Header) context.Context {
	return propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(h))
}

// Valid reports whether ctx carries a trace context.
func Valid(ctx context.Context) bool { return trace.SpanContextFromContext(ctx).IsValid() }

// Start returns ctx with a new, sampled trace context: where an order enters
// (seed, POST /orders without a traceparent) and no tracer records one.
func Start(ctx context.Context) context.Context {
	var tid trace.TraceID
	var sid trace.SpanID
	_, _ = rand.Read(tid[:])
	_, _ = rand.Read(sid[:])
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
	}))
}
