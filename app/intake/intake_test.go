package intake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// publisher keeps what it is given, or fails while down is set.
type publisher struct {
	mu   sync.Mutex
	down bool
	msgs []*message.Message
}

func (p *publisher) Publish(_ string, msgs ...*message.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return errors.New("brokers down")
	}
	p.msgs = append(p.msgs, msgs...)
	return nil
}

func (p *publisher) Close() error { return nil }

type ledger map[string]handlers.Receipt

func (l ledger) Lookup(_ context.Context, id string) (handlers.Receipt, bool, error) {
	r, ok := l[id]
	return r, ok, nil
}

func orderOf(id string, cents int64) events.OrderPlaced {
	return events.OrderPlaced{OrderID: id, CustomerID: "c-1", Email: "c@example.com", Currency: "EUR",
		Items: []events.Item{{SKU: "A", Quantity: 1, PriceCents: cents}}, TotalCents: cents}
}

func post(t *testing.T, in *Intake, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	in.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

func postOrder(t *testing.T, in *Intake, o events.OrderPlaced) (int, string) {
	t.Helper()
	body, err := events.Encode(o)
	if err != nil {
		t.Fatal(err)
	}
	return post(t, in, string(body))
}

func newIntake(t *testing.T, pub *publisher, l handlers.PaymentLedger) *Intake {
	t.Helper()
	in, err := New(Config{Publisher: pub, Topic: "orders", MaxBytes: 1 << 16, Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// An order ID the intake took is refused for another order, naming both
// amounts; the same order again is taken. A failed publish takes nothing.
func TestIntakeRefusesAnOrderIDTakenForAnotherOrder(t *testing.T) {
	pub := &publisher{}
	in := newIntake(t, pub, nil)
	if code, body := postOrder(t, in, orderOf("X", 30_000)); code != http.StatusAccepted {
		t.Fatalf("first: %d %s", code, body)
	}
	code, body := postOrder(t, in, orderOf("X", 90_000))
	if code != http.StatusConflict || !strings.Contains(body, "took order X for 300.00 EUR with other content; this order asks 900.00 EUR") {
		t.Errorf("X for 900 EUR: %d %s; want 409 naming both amounts", code, body)
	}
	if code, body := postOrder(t, in, orderOf("X", 30_000)); code != http.StatusAccepted {
		t.Errorf("the same order again: %d %s; want 202", code, body)
	}

	pub.down = true
	if code, _ := postOrder(t, in, orderOf("Y", 100)); code != http.StatusServiceUnavailable {
		t.Fatalf("Y with the brokers down: %d, want 503", code)
	}
	pub.down = false
	if code, body := postOrder(t, in, orderOf("Y", 200)); code != http.StatusAccepted {
		t.Errorf("Y after a publish that failed: %d %s; want 202 (nothing was taken)", code, body)
	}
}

// The gateway's record counts too: an ID it charged for another order is
// refused; one it charged for this order is taken.
func TestIntakeAsksTheGateway(t *testing.T) {
	charged := orderOf("X", 30_000)
	in := newIntake(t, &publisher{}, ledger{"X": {PaymentID: "pay-X", AmountCents: 30_000, Currency: "EUR", Digest: charged.Digest()}})
	code, body := postOrder(t, in, orderOf("X", 90_000))
	if code != http.StatusConflict || !strings.Contains(body, "the payment gateway charged order X 300.00 EUR for other content; this order asks 900.00 EUR") {
		t.Errorf("X for 900 EUR: %d %s; want 409", code, body)
	}
	if code, body := postOrder(t, in, charged); code != http.StatusAccepted {
		t.Errorf("the charged order again: %d %s; want 202", code, body)
	}
}

// A fault is no part of an order: refused with 400 naming the field.
func TestIntakeRefusesAFault(t *testing.T) {
	body, _ := events.Encode(orderOf("F", 100))
	code, answer := post(t, newIntake(t, &publisher{}, nil), strings.Replace(string(body), "{", `{"fault":"panic",`, 1))
	if code != http.StatusBadRequest || !strings.Contains(answer, `fault: no such field, at line 1, column 2`) {
		t.Errorf("an order with a fault: %d %s; want 400 naming the field", code, answer)
	}
}

// A body that is not an order is refused in the sender's words: the
// member's path, what is wrong with it and where, no Go type names.
func TestIntakeSaysWhatIsMalformed(t *testing.T) {
	for _, tt := range []struct {
		name, give, want string
	}{
		{
			name: "unknown field",
			give: `{"order_id":"x","unknown":1}`,
			want: "payload does not fit OrderPlaced: unknown: no such field, at line 1, column 17",
		},
		{
			name: "wrong type in a list",
			give: `{"order_id":"x","items":[{"sku":"A","quantity":"two"}]}`,
			want: `payload does not fit OrderPlaced: items[0].quantity: "two" is not a whole number, at line 1, column 48`,
		},
		{
			name: "a number for a string",
			give: `{"order_id": 42}`,
			want: "payload does not fit OrderPlaced: order_id: 42 is not a string, at line 1, column 14",
		},
		{
			name: "malformed JSON",
			give: "{\n  \"order_id\": \"x\",\n  \"items\": [}\n",
			want: "payload is not valid JSON (35 bytes): invalid character '}' at start of value, at line 3, column 13",
		},
		{
			name: "cut short",
			give: `{"order_id":"x",`,
			want: "payload is not valid JSON (16 bytes): it ends before the JSON is complete, at line 1, column 17",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, answer := post(t, newIntake(t, &publisher{}, nil), tt.give)
			var p problem
			if err := json.Unmarshal([]byte(answer), &p); err != nil {
				t.Fatalf("%d %s: %v", code, answer, err)
			}
			if code != http.StatusBadRequest || p.Detail != tt.want || len(p.Errors) != 1 || p.Errors[0] != tt.want {
				t.Errorf("%d, detail %q, errors %q\nwant 400 and %q", code, p.Detail, p.Errors, tt.want)
			}
			for _, goWord := range []string{"Go ", "events.", "int64", "unmarshal"} {
				if strings.Contains(answer, goWord) {
					t.Errorf("the answer speaks Go (%q): %s", goWord, answer)
				}
			}
		})
	}
}

// An order without placed_at is dated by the intake.
func TestIntakeDatesAnOrder(t *testing.T) {
	pub := &publisher{}
	before := time.Now().UTC()
	if code, body := postOrder(t, newIntake(t, pub, nil), orderOf("D", 100)); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, body)
	}
	var o events.OrderPlaced
	if err := json.Unmarshal(pub.msgs[0].Payload, &o); err != nil {
		t.Fatal(err)
	}
	if o.PlacedAt.Before(before) || o.PlacedAt.After(time.Now().UTC()) {
		t.Errorf("placed_at %s, want the time it was taken (after %s)", o.PlacedAt, before)
	}
}

// A body that stops arriving (http.read_timeout passed) gets 408.
func TestIntakeSlowBodyIs408(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/orders", io.MultiReader(strings.NewReader(`{"order_id":`), timeoutReader{}))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	newIntake(t, &publisher{}, nil).ServeHTTP(w, req)
	if w.Code != http.StatusRequestTimeout {
		t.Errorf("a body cut off by the read deadline: %d %s, want 408", w.Code, w.Body)
	}
}

type timeoutReader struct{}

func (timeoutReader) Read([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

// Every answer the intake gives, by what was sent: its status, an RFC 9457
// problem for each refusal, and Retry-After where a retry can succeed.
func TestIntakeAnswers(t *testing.T) {
	valid, _ := events.Encode(orderOf("A-1", 100))
	tests := []struct {
		name, contentType, body string
		down                    bool
		wantStatus              int
		wantRetryAfter          bool
		wantIn                  string
	}{
		{name: "taken", body: string(valid), wantStatus: http.StatusAccepted, wantIn: `"order_id":"A-1"`},
		{name: "not JSON", body: "{nope", wantStatus: http.StatusBadRequest, wantIn: "payload is not valid JSON"},
		{name: "wrong shape", body: `{"order_id": 42}`, wantStatus: http.StatusBadRequest, wantIn: "payload does not fit OrderPlaced"},
		{name: "invalid", body: `{"order_id":"x","customer_id":"c","email":"nope","currency":"EUR","items":[{"sku":"A","quantity":1,"price_cents":100}],"total_cents":-5}`,
			wantStatus: http.StatusUnprocessableEntity, wantIn: "total_cents -5"},
		{name: "too large", body: `{"order_id":"` + strings.Repeat("x", 1<<16) + `"}`, wantStatus: http.StatusRequestEntityTooLarge, wantIn: "handler.max_message_bytes"},
		{name: "not application/json", contentType: "text/plain", body: string(valid), wantStatus: http.StatusUnsupportedMediaType, wantIn: "send application/json"},
		{name: "brokers down", body: string(valid), down: true, wantStatus: http.StatusServiceUnavailable, wantRetryAfter: true, wantIn: "not written to Kafka"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newIntake(t, &publisher{down: tt.down}, nil)
			req := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", cmpOr(tt.contentType, "application/json"))
			w := httptest.NewRecorder()
			in.ServeHTTP(w, req)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantIn) {
				t.Errorf("%d %s; want %d saying %q", w.Code, w.Body, tt.wantStatus, tt.wantIn)
			}
			if got := w.Header().Get("Retry-After") != ""; got != tt.wantRetryAfter {
				t.Errorf("Retry-After %q, want one: %v", w.Header().Get("Retry-After"), tt.wantRetryAfter)
			}
			if tt.wantStatus >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", w.Header().Get("Content-Type"))
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// With a schema registry an order is written with its schema's headers
// (and framed, with schemas.wire: confluent); a registry that cannot be
// asked about a subject not looked up yet is a 503 to retry, and the
// order's ID is not taken.
func TestIntakeStampsTheSchema(t *testing.T) {
	reg, cfg, id := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	cfg.Wire = config.WireConfluent
	cat := schemastest.Catalog(t, cfg)
	pub := &publisher{}
	in, err := New(Config{Publisher: pub, Topic: "orders", MaxBytes: 1 << 16, Wire: codec.NewWire(cat, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := postOrder(t, in, orderOf("o-1", 100)); code != http.StatusAccepted {
		t.Fatalf("POST = %d %s", code, body)
	}
	msg := pub.msgs[0]
	if msg.Metadata.Get(events.HeaderSchemaSubject) != "orders-OrderPlaced" || msg.Metadata.Get(events.HeaderSchemaID) != strconv.Itoa(id) ||
		len(msg.Payload) < 6 || msg.Payload[0] != 0 || msg.Payload[5] != '{' {
		t.Errorf("order written with headers %v payload %q, want orders-OrderPlaced's ID %d, framed", msg.Metadata, msg.Payload, id)
	}

	other, err := New(Config{Publisher: pub, Topic: "orders-2", MaxBytes: 1 << 16, Wire: codec.NewWire(cat, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	reg.Close()
	if code, body := postOrder(t, other, orderOf("o-2", 100)); code != http.StatusServiceUnavailable || !strings.Contains(body, "look up orders-2-OrderPlaced's schema") {
		t.Errorf("POST with the registry down = %d %s, want 503 naming the lookup", code, body)
	}
	// Not taken: o-2 for another amount is not "taken for another order".
	if code, body := postOrder(t, other, orderOf("o-2", 200)); code != http.StatusServiceUnavailable {
		t.Errorf("o-2 again, another amount = %d %s, want 503 again (its ID was released)", code, body)
	}
}
