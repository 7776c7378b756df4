package messaging

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

// A step whose output's subject is not registered is not run: the input is
// retried (a transient error) without the step's side effect, and readiness
// names the subject; once registered, the step runs and its output is
// stamped.
func TestHandlerWaitsForItsOutputsSchemas(t *testing.T) {
	reg, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	cat := schemastest.Catalog(t, cfg)
	calls := 0
	charge := Route{Name: "payments", From: "orders", To: "payments", Handle: func(context.Context, events.Event) (events.Event, error) {
		calls++
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		return events.PaymentSucceeded{OrderID: "o-1", PaymentID: "pay-o-1", CustomerID: "c-1", Email: "c-1@example.com", AmountCents: 300, Currency: "EUR", ChargedAt: at, PlacedAt: at}, nil
	}}
	h := handlerFunc(charge, 1<<16, codec.Wire{Catalog: cat})
	in, err := codec.NewEventMessage(schemastest.Order, "corr-1")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := h(in.Copy()); err == nil || events.IsPermanent(err) || !strings.Contains(err.Error(), "payments-PaymentSucceeded") {
		t.Errorf("handler with payments-PaymentSucceeded unregistered: %v, want a transient error naming it", err)
	}
	if calls != 0 {
		t.Errorf("the step ran %d times before its output could be stamped, want 0", calls)
	}
	ready := &Readiness{router: newTestRouter(t), brokersAnswer: func(context.Context) error { return nil }, catalog: cat}
	if err := ready.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "payments-PaymentDeclined") {
		t.Errorf("Ready() = %v, want it to name the unresolved payments-PaymentDeclined", err)
	}

	id := schemastest.Add(t, reg, "payments-PaymentSucceeded", events.TypePaymentSucceeded)
	schemastest.Add(t, reg, "payments-PaymentDeclined", events.TypePaymentDeclined)
	out, err := h(in.Copy())
	if err != nil || calls != 1 || len(out) != 1 || out[0].Metadata.Get(events.HeaderSchemaID) == "" {
		t.Fatalf("once registered: %v, %d calls, %v; want one stamped output", err, calls, out)
	}
	if got := out[0].Metadata.Get(events.HeaderSchemaID); got != strconv.Itoa(id) {
		t.Errorf("output schema_id %s, want %d", got, id)
	}
}

func newTestRouter(t *testing.T) *message.Router {
	t.Helper()
	r, err := message.NewRouter(message.RouterConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
