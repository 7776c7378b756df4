// Package intake takes orders over HTTP: POST /orders with an order in the
// documented JSON shape. An order is validated by the payments step's own
// rules, written to the orders topic, and answered 202 only once the brokers
// acknowledged it (acks=all). Every refusal is an RFC 9457 problem that names
// each problem found. An Idempotency-Key makes a retried request get the first
// answer back, without a second order. An order ID already taken for another
// order (other content) is refused with 409, as far as the intake can know:
// orders this process took, and orders the payment gateway recorded.
package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/go-json-experiment/json"

	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/tracing"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// Config configures the intake.
type Config struct {
	Publisher message.Publisher // acks=all: Publish returns once the brokers have the order
	Topic     string            // the orders topic
	MaxBytes  int64             // the largest body taken (handler.max_message_bytes)
	// Keys is how many Idempotency-Keys, and how many order IDs, are
	// remembered; the oldest is forgotten first. Default 10,000.
	Keys int
	// Ledger is the payment gateway's record of the orders it charged or
	// declined, asked whether an order ID was taken for another order; nil:
	// only the orders this process took are known.
	Ledger handlers.PaymentLedger
	Logger *slog.Logger // default: discarded
	// Wire stamps each order with its schema, with a schema registry; the
	// zero Wire: plain JSON, no schema headers.
	Wire codec.Wire
}

// Intake is the POST /orders handler.
type Intake struct {
	cfg    Config
	keys   *keys
	orders *orders
}

// New returns the intake configured by cfg.
func New(cfg Config) (*Intake, error) {
	if cfg.Keys == 0 {
		cfg.Keys = 10_000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var errs []error
	if cfg.Publisher == nil {
		errs = append(errs, errors.New("intake: no publisher"))
	}
	if cfg.Topic == "" {
		errs = append(errs, errors.New("intake: no topic"))
	}
	if cfg.MaxBytes < 1 {
		errs = append(errs, fmt.Errorf("intake: MaxBytes %d must be positive", cfg.MaxBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Intake{cfg: cfg, keys: newKeys(cfg.Keys), orders: newOrders(cfg.Keys)}, nil
}

// Accepted is the 202 answer's body.
type Accepted struct {
	OrderID       string `json:"order_id"`
	CorrelationID string `json:"correlation_id"`
}

// CorrelationHeader, when a request carries it, gives the order its
// correlation ID; otherwise one is made.
const CorrelationHeader = "X-Correlation-ID"

// IdempotencyHeader names a request so that a retry of it gets the first
// answer back; ReplayedHeader marks such a repeated answer.
const (
	IdempotencyHeader = "Idempotency-Key"
	ReplayedHeader    = "Idempotent-Replayed"
)

// ServeHTTP takes one order.
func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
			Detail: fmt.Sprintf("Content-Type is %q; send application/json", r.Header.Get("Content-Type"))})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.cfg.MaxBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeProblem(w, problem{Status: http.StatusRequestEntityTooLarge, Title: "Order too large",
				Detail: fmt.Sprintf("the body is over %d bytes (handler.max_message_bytes)", in.cfg.MaxBytes)})
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.Header().Set("Connection", "close")
			writeProblem(w, problem{Status: http.StatusRequestTimeout, Title: "Body too slow",
				Detail: "the body did not arrive within http.read_timeout"})
			return
		}
		writeProblem(w, problem{Status: http.StatusBadRequest, Title: "Unreadable body", Detail: err.Error()})
		return
	}
	key := r.Header.Get(IdempotencyHeader)
	if key == "" {
		in.take(r, body).write(w)
		return
	}
	a, replayed, err := in.keys.do(key, body, func() answer { return in.take(r, body) })
	if err != nil {
		status := http.StatusUnprocessableEntity
		if errors.Is(err, errInProgress) {
			status = http.StatusConflict
		}
		writeProblem(w, problem{Status: status, Title: "Idempotency-Key conflict", Detail: err.Error()})
		return
	}
	if replayed {
		w.Header().Set(ReplayedHeader, "true")
	}
	a.write(w)
}

// take validates and publishes one order and returns the answer. The order
// carries the request's traceparent, or a new trace context.
func (in *Intake) take(r *http.Request, body []byte) answer {
	correlationID := r.Header.Get(CorrelationHeader)
	ev, err := events.Decode(events.TypeOrderPlaced, events.Version, body)
	if err != nil {
		return refusal(err)
	}
	order := ev.(events.OrderPlaced)
	if order.PlacedAt.IsZero() {
		order.PlacedAt = time.Now().UTC() // when it entered
	}
	t := taken{id: order.OrderID, digest: order.Digest(), cents: order.TotalCents, currency: order.Currency}
	if refused, ok := in.claim(r.Context(), t); !ok {
		return refused
	}
	if correlationID == "" {
		correlationID = "http-" + watermill.NewUUID()
	}
	msg, err := codec.NewEventMessage(order, correlationID)
	if err != nil {
		in.orders.release(t)
		return problem{Status: http.StatusInternalServerError, Title: "Order not encoded", Detail: err.Error()}.answer()
	}
	if err := in.cfg.Wire.Stamp(r.Context(), msg, in.cfg.Topic, events.TypeOrderPlaced); err != nil {
		in.orders.release(t)
		return problem{Status: http.StatusServiceUnavailable, Title: "Order's schema not looked up",
			Detail: err.Error() + "; it was not taken, try again", retryAfter: "1"}.answer()
	}
	ctx := tracing.ExtractHTTP(r.Context(), r.Header)
	if !tracing.Valid(ctx) {
		ctx = tracing.Start(ctx)
	}
	tracing.Inject(ctx, msg)
	if err := in.cfg.Publisher.Publish(in.cfg.Topic, msg); err != nil {
		in.orders.release(t)
		in.cfg.Logger.Warn("order not written", "order_id", order.OrderID, "correlation_id", correlationID, "err", err)
		return problem{Status: http.StatusServiceUnavailable, Title: "Order not written to Kafka",
			Detail: "the brokers did not acknowledge the order; it was not taken, try again", retryAfter: "1"}.answer()
	}
	in.cfg.Logger.Info("order taken", "order_id", order.OrderID, "correlation_id", correlationID)
	out, _ := json.Marshal(Accepted{OrderID: order.OrderID, CorrelationID: correlationID})
	return answer{status: http.StatusAccepted, contentType: "application/json", body: append(out, '\n')}
}

// claim takes order t's ID for it, or returns the 409 that says the ID is
// already taken for another order: by this process, or in the gateway's
// record. A gateway that cannot answer does not hold the order up: the
// payments step refuses a conflicting charge in any case.
func (in *Intake) claim(ctx context.Context, t taken) (answer, bool) {
	before, conflict, claimed := in.orders.claim(t)
	if conflict {
		return idTaken(t, fmt.Sprintf("this service took order %s for %s with other content", t.id, events.FormatMoney(before.cents, before.currency))), false
	}
	if in.cfg.Ledger == nil {
		return answer{}, true
	}
	r, found, err := in.cfg.Ledger.Lookup(ctx, t.id)
	if err != nil {
		in.cfg.Logger.Warn("payment gateway not asked about the order ID", "order_id", t.id, "err", err)
		return answer{}, true
	}
	if found && r.Asks(handlers.ChargeRequest{Key: t.id, AmountCents: t.cents, Currency: t.currency, Digest: t.digest}) != "" {
		if claimed {
			in.orders.release(t)
		}
		verb := "charged"
		if r.Declined {
			verb = "declined at"
		}
		return idTaken(t, fmt.Sprintf("the payment gateway %s order %s %s for other content", verb, t.id, events.FormatMoney(r.AmountCents, r.Currency))), false
	}
	return answer{}, true
}

func idTaken(t taken, why string) answer {
	return problem{Status: http.StatusConflict, Title: "Order ID already taken",
		Detail: fmt.Sprintf("%s; this order asks %s. Send a new order with a new order_id.", why, events.FormatMoney(t.cents, t.currency))}.answer()
}

// refusal turns a decode or validation error into a problem naming each problem.
func refusal(err error) answer {
	var invalid *events.InvalidError
	if errors.As(err, &invalid) {
		return problem{Status: http.StatusUnprocessableEntity, Title: "Invalid order",
			Detail: "the order breaks the rules listed in errors", Errors: flatten(invalid.Problems)}.answer()
	}
	return problem{Status: http.StatusBadRequest, Title: "Malformed order", Detail: err.Error(),
		Errors: []string{err.Error()}}.answer()
}

// flatten lists the leaves of a tree of joined errors.
func flatten(err error) []string {
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range multi.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}

// answer is a finished response, kept for idempotent replays.
type answer struct {
	status      int
	contentType string
	retryAfter  string
	body        []byte
}

func (a answer) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", a.contentType)
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.WriteHeader(a.status)
	_, _ = io.Copy(w, bytes.NewReader(a.body))
}
