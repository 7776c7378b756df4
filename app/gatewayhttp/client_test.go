package gatewayhttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

var order300 = handlers.ChargeRequest{Key: "o-1", AmountCents: 30000, Currency: "EUR", Digest: "d-300"}

// Against the gateway service: a charge, its repeat (the same receipt), a
// decline (an answer, not an error), the lookups, and a conflict as the
// *handlers.ConflictError the payments step makes permanent.
func TestClientAgainstTheService(t *testing.T) {
	s := serve(t, false)
	c := gatewayhttp.NewClient(s.base+"/", 4) // a trailing slash is allowed
	defer c.Close()
	ctx := context.Background()
	first, err := c.Charge(ctx, order300)
	if err != nil || first.PaymentID != "pay-o-1" || first.AmountCents != 30000 || first.ChargedAt.IsZero() {
		t.Fatalf("charge: %+v, %v", first, err)
	}
	if again, err := c.Charge(ctx, order300); err != nil || !again.ChargedAt.Equal(first.ChargedAt) || again.PaymentID != first.PaymentID {
		t.Errorf("the charge again: %+v, %v; want the first receipt %+v", again, err, first)
	}
	declined, err := c.Charge(ctx, handlers.ChargeRequest{Key: "big", AmountCents: 90000, Currency: "EUR", Digest: "d-big"})
	if err != nil || !declined.Declined || !strings.Contains(declined.DeclineReason, "over the limit") || declined.PaymentID != "" {
		t.Errorf("an order over the limit: %+v, %v; want a decline", declined, err)
	}
	if r, found, err := c.Lookup(ctx, "o-1"); err != nil || !found || r.PaymentID != "pay-o-1" || r.Digest != "d-300" {
		t.Errorf("lookup o-1: %+v, %v, %v", r, found, err)
	}
	if _, found, err := c.Lookup(ctx, "never charged/with a slash"); err != nil || found {
		t.Errorf("lookup of an unknown key: %v, %v; want not found, no error", found, err)
	}
	other := order300
	other.AmountCents = 90000
	_, err = c.Charge(ctx, other)
	var conflict *handlers.ConflictError
	if !errors.As(err, &conflict) || conflict.Recorded.AmountCents != 30000 || !strings.Contains(err.Error(), "order o-1 was charged 300.00 EUR; this order asks 900.00 EUR") {
		t.Errorf("the key for 900 EUR: %v; want a ConflictError naming both amounts", err)
	}
	_, err = handlers.Payments{Gateway: c}.Handle(ctx, events.OrderPlaced{OrderID: "o-1", TotalCents: 90000, Currency: "EUR"})
	if !events.IsPermanent(err) {
		t.Errorf("the payments step on a 409: %v; want permanent", err)
	}
}

// fake answers every request with status and body, and keeps what it got.
type fake struct {
	mu     sync.Mutex
	faults []string
}

func (f *fake) server(t *testing.T, status int, contentType, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.faults = append(f.faults, r.Header.Get("Orderflow-Fault"))
		f.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Every failure is classified: no answer, a timeout and a 5xx are transient
// (a timeout is the context's deadline, so its dead letter says timeout); a
// 400, a 409 and a key the API cannot carry are permanent.
func TestClientClassifiesErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // read to its end, so that a closed connection ends r's context
		select {                           // answers after the caller's deadline, never within it
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	var f fake
	tests := []struct {
		name          string
		base          string
		key           string
		wantPermanent bool
		wantTimeout   bool
		want          string
	}{
		{name: "connection refused", base: refused, want: "connection refused"},
		{name: "timeout", base: slow.URL, wantTimeout: true, want: "context deadline exceeded"},
		{name: "503", base: f.server(t, 503, "application/json", `{"error":"store locked"}`), want: "payment gateway answered 503 Service Unavailable: store locked"},
		{name: "502 from a proxy, not JSON", base: f.server(t, 502, "text/html", `<h1>Bad Gateway</h1>`), want: "answered 502 Bad Gateway: the answer is not JSON"},
		{name: "429", base: f.server(t, 429, "application/json", `{"error":"slow down"}`), want: "answered 429"},
		{name: "400", base: f.server(t, 400, "application/json", `{"error":"currency not supported"}`), wantPermanent: true, want: "answered 400 Bad Request: currency not supported"},
		{name: "409 without a receipt", base: f.server(t, 409, "application/json", `{"error":"key reused"}`), wantPermanent: true, want: "answered 409 Conflict: key reused"},
		{name: "a key the API cannot carry", base: refused, key: "o-\n1", wantPermanent: true, want: "holds a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := gatewayhttp.NewClient(tt.base, 2)
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			req := order300
			if tt.key != "" {
				req.Key = tt.key
			}
			_, err := c.Charge(ctx, req)
			var conflict *handlers.ConflictError
			switch {
			case err == nil:
				t.Fatal("no error")
			case events.IsPermanent(err) != tt.wantPermanent:
				t.Errorf("%v: permanent %v, want %v", err, events.IsPermanent(err), tt.wantPermanent)
			case errors.Is(err, context.DeadlineExceeded) != tt.wantTimeout:
				t.Errorf("%v: a deadline %v, want %v", err, !tt.wantTimeout, tt.wantTimeout)
			case errors.As(err, &conflict):
				t.Errorf("%v: a ConflictError without a recorded receipt", err)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("%v: want it to say %q", err, tt.want)
			}
			if _, _, err := c.Lookup(ctx, req.Key); err == nil {
				t.Errorf("lookup: no error")
			}
		})
	}
}

// The client sends Orderflow-Fault only when the context carries a fault
// (serve's faults.inject put it there), and then the fault's name.
func TestClientSendsTheFaultOnlyFromTheContext(t *testing.T) {
	var f fake
	c := gatewayhttp.NewClient(f.server(t, 200, "application/json", `{"payment_id":"p"}`), 1)
	defer c.Close()
	if _, err := c.Charge(context.Background(), order300); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Charge(faults.With(context.Background(), faults.Flaky), order300); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) != 2 || f.faults[0] != "" || f.faults[1] != "flaky" {
		t.Errorf("Orderflow-Fault sent: %q, want none, then flaky", f.faults)
	}
}

// A 500 is a transient error, whatever fault the charge asked for: the
// client never panics (gateway.WithRemoteFaults does, with faults.inject).
func TestClientAnswers500AsTransient(t *testing.T) {
	var f fake
	c := gatewayhttp.NewClient(f.server(t, 500, "application/json", `{"error":"panic: injected"}`), 1)
	defer c.Close()
	for _, fault := range []faults.Fault{faults.Fail, faults.Panic} {
		_, err := c.Charge(faults.With(context.Background(), fault), order300)
		var status *gatewayhttp.StatusError
		if !errors.As(err, &status) || status.Status != 500 || events.IsPermanent(err) {
			t.Errorf("a 500 to a charge asking for %s: %v, want a transient StatusError 500", fault, err)
		}
	}
}
