package gatewayhttp_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/app/httpserver"
)

// served is a gateway service on a free port, as `orderflow gateway` runs
// it: the simulator over a file store, behind httpserver's limits.
type served struct {
	base  string
	store gateway.Store
}

func serve(t *testing.T, injectFaults bool) served {
	t.Helper()
	store, err := gateway.OpenStore(filepath.Join(t.TempDir(), "gateway.jsonl"), 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := config.Default()
	var s gateway.Store = store
	if injectFaults {
		s = gateway.WithFaults(store, cfg.Faults)
	}
	api := gatewayhttp.NewServer(gateway.NewSimulator(cfg.Gateway, s), injectFaults, slog.New(slog.DiscardHandler))
	limits := cfg.HTTP
	limits.Addr = "127.0.0.1:0"
	srv := httpserver.New(limits, api, slog.New(slog.DiscardHandler), api.Routes()...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	})
	return served{base: "http://" + srv.Addr(), store: store}
}

// call sends one request and returns the status, the headers and the body.
func call(t *testing.T, method, url string, headers map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

const charge300 = `{"amount_cents":30000,"currency":"EUR","digest":"d-300"}`

func key(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

// A repeat with the same parameters gets the first receipt, marked replayed;
// the receipt is what GET returns; an unknown key is 404.
func TestChargeIsIdempotent(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	s := serve(t, false)
	code, h, first := call(t, "POST", s.base+"/v1/charges", key("o-1"), charge300)
	if code != 200 || h.Get("Idempotent-Replayed") != "" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("first charge: %d %v %s", code, h, first)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(first), &r); err != nil || r["payment_id"] != "pay-o-1" || r["amount_cents"] != 30000.0 || r["currency"] != "EUR" || r["digest"] != "d-300" || r["declined"] != false || r["charged_at"] == nil {
		t.Fatalf("first receipt: %s (%v)", first, err)
	}
	code, h, again := call(t, "POST", s.base+"/v1/charges", key("o-1"), charge300)
	if code != 200 || h.Get("Idempotent-Replayed") != "true" || again != first {
		t.Errorf("the same charge again: %d replayed=%q %s; want 200, replayed, the first receipt %s", code, h.Get("Idempotent-Replayed"), again, first)
	}
	if code, _, got := call(t, "GET", s.base+"/v1/charges/o-1", nil, ""); code != 200 || got != first {
		t.Errorf("GET o-1: %d %s, want the receipt %s", code, got, first)
	}
	if code, _, got := call(t, "GET", s.base+"/v1/charges/o-2", nil, ""); code != 404 || !strings.Contains(got, `"error":"no charge recorded for \"o-2\""`) {
		t.Errorf("GET an unknown key: %d %s, want 404 with an error", code, got)
	}
	if got := receipts(t, s.store, "o-1"); !got {
		t.Error("the store holds no receipt for o-1")
	}
	http.DefaultClient.CloseIdleConnections()
}

// A key reused with other parameters is 409, naming the difference and the
// receipt recorded; nothing more is recorded.
func TestChargeConflictNamesTheDifference(t *testing.T) {
	s := serve(t, false)
	if code, _, body := call(t, "POST", s.base+"/v1/charges", key("X"), charge300); code != 200 {
		t.Fatalf("first: %d %s", code, body)
	}
	for _, tt := range []struct {
		give string
		want string
	}{
		{`{"amount_cents":90000,"currency":"EUR","digest":"d-300"}`, "order X was charged 300.00 EUR; this order asks 900.00 EUR"},
		{`{"amount_cents":30000,"currency":"USD","digest":"d-300"}`, "this order asks 300.00 USD"},
		{`{"amount_cents":30000,"currency":"EUR","digest":"d-other"}`, "this order has other content"},
	} {
		code, _, body := call(t, "POST", s.base+"/v1/charges", key("X"), tt.give)
		var got struct {
			Error    string
			Recorded struct {
				AmountCents int64 `json:"amount_cents"`
				PaymentID   string
			}
		}
		_ = json.Unmarshal([]byte(body), &got)
		if code != 409 || !strings.Contains(got.Error, tt.want) || got.Recorded.AmountCents != 30000 {
			t.Errorf("%s: %d %s; want 409 saying %q with the recorded receipt", tt.give, code, body, tt.want)
		}
	}
}

// Hostile or malformed requests are 400 with a JSON error, and record nothing.
func TestMalformedRequestsAre400(t *testing.T) {
	s := serve(t, false)
	tests := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    string
		want    string
	}{
		{"no key", "POST", "/v1/charges", nil, charge300, "Idempotency-Key header (the order ID) is missing"},
		{"bad JSON", "POST", "/v1/charges", key("k1"), `{"amount_cents":`, "the body is not a charge"},
		{"unknown field", "POST", "/v1/charges", key("k2"), `{"amount_cents":1,"currency":"EUR","digest":"d","refund":true}`, `unknown field "refund"`},
		{"two values", "POST", "/v1/charges", key("k3"), charge300 + charge300, "more than one JSON value"},
		{"over the body limit", "POST", "/v1/charges", key("k4"), `{"digest":"` + strings.Repeat("x", 5000) + `"}`, "the body is over 4096 bytes"},
		{"no amount", "POST", "/v1/charges", key("k5"), `{"currency":"EUR","digest":"d"}`, "amount_cents 0 must be between 1"},
		{"bad currency", "POST", "/v1/charges", key("k6"), `{"amount_cents":1,"currency":"euro","digest":"d"}`, `currency "euro" is not a 3-letter code`},
		{"key too long", "POST", "/v1/charges", key(strings.Repeat("k", 256)), charge300, "256 bytes, more than 255"},
		{"control character in a looked-up key", "GET", "/v1/charges/o%0A1", nil, "", "holds a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := call(t, tt.method, s.base+tt.path, tt.headers, tt.body)
			var e struct{ Error string }
			if code != 400 || h.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, tt.want) {
				t.Errorf("%d %s; want 400 with a JSON error saying %q", code, body, tt.want)
			}
		})
	}
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6"} {
		if receipts(t, s.store, k) {
			t.Errorf("a refused request recorded a receipt for %s", k)
		}
	}
}

// Orderflow-Fault is ignored by a gateway without faults.inject; with it, a
// fail is 503, a panic is 500 (and the gateway goes on serving), a value
// that names no fault is 400.
func TestFaultHeaderHonouredOnlyWithInject(t *testing.T) {
	fault := func(k, f string) map[string]string {
		return map[string]string{"Idempotency-Key": k, "Orderflow-Fault": f}
	}
	off := serve(t, false)
	for _, f := range []string{"fail", "panic", "bogus"} {
		if code, _, body := call(t, "POST", off.base+"/v1/charges", fault("off-"+f, f), charge300); code != 200 {
			t.Errorf("inject off, fault %s: %d %s; want the header ignored, 200", f, code, body)
		}
	}
	on := serve(t, true)
	for _, tt := range []struct {
		fault string
		code  int
		want  string
	}{
		{"fail", 503, "payment gateway unavailable (attempt 1)"},
		{"panic", 500, "injected panic charging order on-panic"},
		{"bogus", 400, `names no fault (flaky, fail or panic)`},
	} {
		code, _, body := call(t, "POST", on.base+"/v1/charges", fault("on-"+tt.fault, tt.fault), charge300)
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("inject on, fault %s: %d %s; want %d saying %q", tt.fault, code, body, tt.code, tt.want)
		}
	}
	if code, _, body := call(t, "POST", on.base+"/v1/charges", key("after-panic"), charge300); code != 200 {
		t.Errorf("a charge after the panic: %d %s", code, body)
	}
}

// /healthz and /readyz answer 200 while the store reads, 503 once it is closed.
func TestHealthFollowsTheStore(t *testing.T) {
	s := serve(t, false)
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _, body := call(t, "GET", s.base+path, nil, ""); code != 200 {
			t.Errorf("%s with the store open: %d %s", path, code, body)
		}
	}
	s.store.Close()
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _, body := call(t, "GET", s.base+path, nil, ""); code != 503 || !strings.Contains(body, "gateway store") {
			t.Errorf("%s with the store closed: %d %s; want 503 naming the store", path, code, body)
		}
	}
}

// receipts says whether the store holds a receipt for k.
func receipts(t *testing.T, s gateway.Store, k string) bool {
	t.Helper()
	_, found, err := s.Receipt(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	return found
}
