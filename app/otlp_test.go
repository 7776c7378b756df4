package app_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/orderflow/orderflow/app/testkit"
)

func TestSpansReachAnOTLPCollector(t *testing.T) { clusters(t, spansReachAnOTLPCollector) }

// With tracing.otlp_endpoint set, each handler's span reaches an OTLP/HTTP
// receiver in the protocol's own protobuf: for an order sent with a
// traceparent, a payments, shipping and notifications span in its trace,
// each the child of the span before it; for an order that fails, an error
// span with the "dead-lettered" event.
func spansReachAnOTLPCollector(t *testing.T, c testkit.Cluster) {
	col := &collector{}
	srv := httptest.NewServer(col)
	t.Cleanup(srv.Close)
	c.Cfg.Tracing.OTLPEndpoint = srv.URL // a base URL, as docs/configuration.md's example: spans go to its /v1/traces
	testkit.StartApp(t, c.Cfg)
	tr := testkit.Track(t, c)

	traces := map[string]string{"otlp-ok": "4bf92f3577b34da6a3ce929d0e0e4736", "otlp-poison": "0af7651916cd43dd8448eb211c80319c"}
	prod := testkit.Producer(t, c)
	for id, trace := range traces {
		sendTraced(t, prod, c.Cfg.Topics.Orders, id, trace, id != "otlp-poison")
	}
	testkit.WaitSettled(t, tr, []string{"otlp-ok", "otlp-poison"}, time.Minute)

	// The batch exporter sends within its 5 s timeout.
	testkit.WaitFor(t, 30*time.Second, "the spans of both orders at the collector", func() (bool, string) {
		ok := col.names(traces["otlp-ok"])
		bad := col.names(traces["otlp-poison"])
		return strings.Join(ok, ",") == "notifications process,payments process,shipping process" &&
			strings.Join(bad, ",") == "payments process", "otlp-ok: " + strings.Join(ok, ",") + "; otlp-poison: " + strings.Join(bad, ",")
	})

	spans := col.byName(traces["otlp-ok"])
	pay := spans["payments process"]
	if hex.EncodeToString(pay.ParentSpanId) != "00f067aa0ba902b7" {
		t.Errorf("payments span's parent %x, want the sender's span 00f067aa0ba902b7", pay.ParentSpanId)
	}
	for _, next := range []string{"shipping process", "notifications process"} {
		if s := spans[next]; string(s.ParentSpanId) != string(pay.SpanId) {
			t.Errorf("%s: parent %x, want the payments span %x", next, s.ParentSpanId, pay.SpanId)
		}
		if s := spans[next]; s.Kind != tracepb.Span_SPAN_KIND_CONSUMER || s.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("%s: kind %v, status %v", next, s.Kind, s.Status)
		}
	}
	poison := col.byName(traces["otlp-poison"])["payments process"]
	if poison.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || len(poison.Events) == 0 || poison.Events[len(poison.Events)-1].Name != "dead-lettered" {
		t.Errorf("failed order's span: status %v, events %v; want an error with the dead-lettered event", poison.Status, poison.Events)
	}
}

// collector is an OTLP/HTTP trace receiver (POST /v1/traces, protobuf).
type collector struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || err != nil {
		http.Error(w, "not an OTLP/HTTP protobuf trace export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// byName returns the spans of trace (hex) by name.
func (c *collector) byName(trace string) map[string]*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]*tracepb.Span{}
	for _, s := range c.spans {
		if hex.EncodeToString(s.TraceId) == trace {
			out[s.Name] = s
		}
	}
	return out
}

// names lists the names of trace's spans, sorted, each once (a redelivered
// message has a span per delivery).
func (c *collector) names(trace string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, s := range c.spans {
		if hex.EncodeToString(s.TraceId) == trace {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
