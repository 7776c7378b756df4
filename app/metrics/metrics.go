// Package metrics is orderflow's Prometheus registry: the Go runtime and
// process collectors, the build, Watermill's handler, publisher and
// subscriber metrics (same names and labels; recorded by orderflow's
// middleware and subscriber through series bound once per handler), and what
// Watermill lacks — dead letters, retries, messages in flight, replayed
// messages and gateway calls. Consumer lag is collected on each scrape by
// kafkaclient.LagCollector.
//
// Every method is safe on a nil *Metrics or *Handler, which record nothing:
// components built without metrics (tests, client commands) need no stand-in.
package metrics

import (
	"runtime"
	"runtime/debug"
	"sync"
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
	handlerTime  *prometheus.HistogramVec
	publishTime  *prometheus.HistogramVec
	transactions *prometheus.HistogramVec

	handlers sync.Map // handler name → *Handler
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
		// Watermill's handler and publisher metrics (components/metrics), same
		// names, labels, buckets and help, observed through series bound once
		// per handler: Watermill's build a label map per message, and its
		// publisher decorator a context per output.
		handlerTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "handler_execution_time_seconds",
			Help:    "The total time elapsed while executing the handler function in seconds",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
		}, []string{"handler_name", "success"}),
		publishTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "publish_time_seconds",
			Help:    "The time that a publishing attempt (success or not) took in seconds",
			Buckets: prometheus.DefBuckets,
		}, []string{"handler_name", "publisher_name", "success"}),
	}
	m.transactions = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "transaction_duration_seconds",
		Help:    "Transactions of a step (delivery.guarantee exactly_once), by handler and outcome (committed, aborted): from the first record dealt to the end.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"handler", "outcome"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help: "Always 1; the labels say which build runs.",
	}, []string{"version", "revision", "go_version"})
	version, revision := buildVersion()
	build.WithLabelValues(version, revision, runtime.Version()).Set(1)
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, m.deadLetters, m.retries, m.inFlight, m.replayed, m.gatewayCalls, m.received, m.handlerTime, m.publishTime, m.transactions,
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
	m.Handler(handler)
}

// Handler is one handler's series, bound once: counting a message costs no
// label lookup. A nil *Handler records nothing.
type Handler struct {
	inFlight  prometheus.Gauge
	replayed  prometheus.Counter
	retries   prometheus.Counter
	took      [2]prometheus.Observer // handler_execution_time_seconds by success: false, true
	published [2]prometheus.Observer // publish_time_seconds by success
	received  [2]prometheus.Counter  // subscriber_messages_received_total: nacked, acked
	txns      [2]prometheus.Observer // transaction_duration_seconds: aborted, committed
}

// publisherName is the publisher_name label Watermill's decorator gave the
// router's publisher (its type's name).
const publisherName = "messaging.keepOpen"

// Handler returns handler's series, binding them on first use.
func (m *Metrics) Handler(handler string) *Handler {
	if m == nil {
		return nil
	}
	if h, ok := m.handlers.Load(handler); ok {
		return h.(*Handler)
	}
	h := &Handler{
		inFlight: m.inFlight.WithLabelValues(handler),
		replayed: m.replayed.WithLabelValues(handler),
		retries:  m.retries.WithLabelValues(handler),
		took:     [2]prometheus.Observer{m.handlerTime.WithLabelValues(handler, "false"), m.handlerTime.WithLabelValues(handler, "true")},
		published: [2]prometheus.Observer{
			m.publishTime.WithLabelValues(handler, publisherName, "false"),
			m.publishTime.WithLabelValues(handler, publisherName, "true"),
		},
		received: [2]prometheus.Counter{
			m.received.WithLabelValues(handler, subscriberName, "nacked"),
			m.received.WithLabelValues(handler, subscriberName, "acked"),
		},
		txns: [2]prometheus.Observer{m.transactions.WithLabelValues(handler, "aborted"), m.transactions.WithLabelValues(handler, "committed")},
	}
	actual, _ := m.handlers.LoadOrStore(handler, h)
	return actual.(*Handler)
}

// Started counts a message the handler takes up; replayed says it came back
// from the dead-letter topic. Done must follow with what Started returned.
func (h *Handler) Started(replayed bool) time.Time {
	if h == nil {
		return time.Time{}
	}
	h.inFlight.Inc()
	if replayed {
		h.replayed.Inc()
	}
	return time.Now()
}

// Done counts the message started at start done, after every attempt.
func (h *Handler) Done(start time.Time, err error) {
	if h != nil {
		h.inFlight.Dec()
		h.took[ok(err)].Observe(time.Since(start).Seconds())
	}
}

// TransactionEnded records one transaction of the handler (exactly_once):
// committed or aborted, and how long it took.
func (h *Handler) TransactionEnded(committed bool, took time.Duration) {
	if h != nil {
		i := 0
		if committed {
			i = 1
		}
		h.txns[i].Observe(took.Seconds())
	}
}

// Retried counts one attempt after a message's first.
func (h *Handler) Retried() {
	if h != nil {
		h.retries.Inc()
	}
}

// Published records one publish of the handler's outputs, started at start.
func (h *Handler) Published(start time.Time, err error) {
	if h != nil {
		h.published[ok(err)].Observe(time.Since(start).Seconds())
	}
}

func ok(err error) int {
	if err != nil {
		return 0
	}
	return 1
}

// DeadLettered counts a message dead-lettered by handler with kind.
func (m *Metrics) DeadLettered(handler, kind string) {
	if m != nil {
		m.deadLetters.WithLabelValues(handler, kind).Inc()
	}
}

// subscriberName is the subscriber_name label Watermill's decorator gave
// orderflow's subscriber (its type's name).
const subscriberName = "subscriber.Subscriber"

// Settled counts one delivery of handler's input as the router acked or
// nacked it (Watermill's messages_received_total): what the subscriber calls
// per delivery.
func (h *Handler) Settled(acked bool) {
	switch {
	case h == nil:
	case acked:
		h.received[1].Inc()
	default:
		h.received[0].Inc()
	}
}

// GatewayCall records one call to the payment gateway.
func (m *Metrics) GatewayCall(operation, outcome string, took time.Duration) {
	if m != nil {
		m.gatewayCalls.WithLabelValues(operation, outcome).Observe(took.Seconds())
	}
}
