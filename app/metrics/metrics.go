// Package metrics is orderflow's Prometheus registry: the Go runtime and
// process collectors, the build, what Watermill's own router and publisher
// metrics (added by the messaging package) lack — dead letters, retries,
// messages in flight, replayed messages and gateway calls — and Watermill's
// messages-received counter, counted by orderflow's subscriber. Consumer
// lag is collected on each scrape by kafka.LagCollector.
//
// Every method is safe on a nil *Metrics, which records nothing: components
// built without metrics (tests, client commands) need no stand-in.
package metrics

import (
	"runtime"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every orderflow metric.
const Namespace = "orderflow"

// Metrics holds the registry and orderflow's own metrics.
type Metrics struct {
	Registry *prometheus.Registry

	deadLetters  *prometheus.CounterVec
	retries      *prometheus.CounterVec
	inFlight     *prometheus.GaugeVec
	replayed     *prometheus.CounterVec
	gatewayCalls *prometheus.HistogramVec
	received     *prometheus.CounterVec
}

// New returns a registry with the runtime, process and build collectors and
// orderflow's metrics registered.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "dead_letters_total",
			Help: "Messages dead-lettered, by handler and error kind (permanent, retries_exhausted, panic, timeout).",
		}, []string{"handler", "kind"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "retries_total",
			Help: "Attempts after a message's first, by handler.",
		}, []string{"handler"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "messages_in_flight",
			Help: "Messages a handler is working on now, retries included.",
		}, []string{"handler"}),
		replayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "replayed_messages_total",
			Help: "Messages replayed from the dead-letter topic (replay_count header above 0) taken up by a handler, by handler.",
		}, []string{"handler"}),
		gatewayCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "gateway_call_duration_seconds",
			Help:    "Payment gateway calls, by operation (charge, lookup) and outcome (ok, declined, error).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"operation", "outcome"}),
		// Watermill's subscriber metric, same name, labels and values, counted
		// by orderflow's subscriber where it sees each ack: Watermill's
		// decorator costs a goroutine and a channel hop per message.
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "subscriber", Name: "messages_received_total",
			Help: "The total number of messages received by the subscriber.",
		}, []string{"handler_name", "subscriber_name", "acked"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help: "Always 1; the labels say which build runs.",
	}, []string{"version", "revision", "go_version"})
	version, revision := buildVersion()
	build.WithLabelValues(version, revision, runtime.Version()).Set(1)
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, m.deadLetters, m.retries, m.inFlight, m.replayed, m.gatewayCalls, m.received,
	)
	return m
}

// buildVersion is the main module's version and VCS revision, as the Go
// toolchain stamped them ("(devel)" and "" in a plain go run).
func buildVersion() (version, revision string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			revision = s.Value
		}
	}
	return info.Main.Version, revision
}

// InitHandler sets every series of handler to 0, dead letters of each of
// kinds included, so that a counter exists before its first event: a series
// that first appears at 1 shows no increase to Prometheus (rate and increase
// need two samples), and an alert on it would never fire.
func (m *Metrics) InitHandler(handler string, kinds []string) {
	if m == nil {
		return
	}
	for _, k := range kinds {
		m.deadLetters.WithLabelValues(handler, k)
	}
	m.retries.WithLabelValues(handler)
	m.replayed.WithLabelValues(handler)
	m.inFlight.WithLabelValues(handler)
}

// DeadLettered counts a message dead-lettered by handler with kind.
func (m *Metrics) DeadLettered(handler, kind string) {
	if m != nil {
		m.deadLetters.WithLabelValues(handler, kind).Inc()
	}
}

// Retried counts one attempt after a message's first.
func (m *Metrics) Retried(handler string) {
	if m != nil {
		m.retries.WithLabelValues(handler).Inc()
	}
}

// Started counts a message handler takes up, and returns the function that
// counts it done. replayed says it came back from the dead-letter topic.
func (m *Metrics) Started(handler string, replayed bool) (done func()) {
	if m == nil {
		return func() {}
	}
	g := m.inFlight.WithLabelValues(handler)
	g.Inc()
	if replayed {
		m.replayed.WithLabelValues(handler).Inc()
	}
	return g.Dec
}

// subscriberName is the subscriber_name label Watermill's decorator gave
// orderflow's subscriber (its type's name).
const subscriberName = "subscriber.Subscriber"

// Received returns what counts handler's messages as the router acks or nacks
// them: the function a subscriber calls per delivery.
func (m *Metrics) Received(handler string) func(acked bool) {
	if m == nil {
		return func(bool) {}
	}
	acked := m.received.WithLabelValues(handler, subscriberName, "acked")
	nacked := m.received.WithLabelValues(handler, subscriberName, "nacked")
	return func(ok bool) {
		if ok {
			acked.Inc()
		} else {
			nacked.Inc()
		}
	}
}

// GatewayCall records one call to the payment gateway.
func (m *Metrics) GatewayCall(operation, outcome string, took time.Duration) {
	if m != nil {
		m.gatewayCalls.WithLabelValues(operation, outcome).Observe(took.Seconds())
	}
}
