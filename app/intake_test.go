package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

func TestOrderIntake(t *testing.T) { clusters(t, orderIntake) }

// POST /orders with a plain HTTP client: a valid order is answered 202 once
// written and flows through the pipeline; each kind of bad input gets its
// status and a problem naming every problem; a repeated Idempotency-Key
// gets the first answer and makes no second order; concurrent clients lose
// nothing.
func orderIntake(t *testing.T, c testkit.Cluster) {
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	url := "http://" + srv.Addr() + "/orders"
	tr := testkit.Track(t, c)
	rng := rand.New(rand.NewPCG(7, 8))
	orderJSON := func(id string) string {
		o := seed.Order(id, rng)
		o.TotalCents, o.Items = 1_000, o.Items[:1]
		o.Items[0].Quantity, o.Items[0].PriceCents = 1, 1_000
		b, _ := json.Marshal(o)
		return string(b)
	}
	post := func(body string, headers ...string) (int, http.Header, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
		}
		return resp.StatusCode, resp.Header, out
	}

	// A valid order: 202 with its IDs, then paid, shipped and notified under that correlation ID.
	code, _, got := post(orderJSON("http-1"), "X-Correlation-ID", "corr-http-1")
	if code != 202 || got["order_id"] != "http-1" || got["correlation_id"] != "corr-http-1" {
		t.Fatalf("valid order: %d %v, want 202 with its order and correlation IDs", code, got)
	}
	testkit.WaitSettled(t, tr, []string{"http-1"}, time.Minute)
	if o, _ := tr.Order("http-1"); o.Paid != 1 || o.Shipped != 1 || o.Notified != 1 || len(o.Correlations) != 1 || o.Correlations[0] != "corr-http-1" {
		t.Errorf("http-1: %+v, want paid, shipped and notified once under corr-http-1", o)
	}

	// Bad input: the right status, an RFC 9457 problem, every problem named.
	for _, tt := range []struct {
		name        string
		body        string
		contentType string
		wantStatus  int
		wantErrors  []string
	}{
		{name: "not JSON", body: "{nope", wantStatus: 400, wantErrors: []string{"payload is not valid JSON"}},
		{name: "wrong shape", body: `{"order_id": 42}`, wantStatus: 400, wantErrors: []string{"payload does not fit OrderPlaced"}},
		{name: "invalid, every problem", body: `{"order_id":"x","customer_id":"c","email":"nope","currency":"EUR","items":[{"sku":"A","quantity":1,"price_cents":100}],"total_cents":-5}`,
			wantStatus: 422, wantErrors: []string{"email", "total_cents -5"}},
		{name: "not JSON content type", body: orderJSON("http-2"), contentType: "text/plain", wantStatus: 415},
		{name: "too large", body: `{"order_id":"` + strings.Repeat("x", c.Cfg.Handler.MaxMessageBytes) + `"}`, wantStatus: 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", cmpOr(tt.contentType, "application/json"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct {
				Type, Title string
				Status      int
				Errors      []string
			}
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || p.Status != tt.wantStatus || resp.Header.Get("Content-Type") != "application/problem+json" || p.Type != "about:blank" || p.Title == "" {
				t.Fatalf("%d %s %+v, want a %d problem", resp.StatusCode, resp.Header.Get("Content-Type"), p, tt.wantStatus)
			}
			for _, w := range tt.wantErrors {
				if !strings.Contains(strings.Join(p.Errors, "\n"), w) {
					t.Errorf("problems %q lack %q", p.Errors, w)
				}
			}
		})
	}
	if resp, err := http.Get(url); err != nil {
		t.Errorf("GET /orders: %v, want 405", err)
	} else if resp.Body.Close(); resp.StatusCode != 405 {
		t.Errorf("GET /orders: %d, want 405", resp.StatusCode)
	}

	// An Idempotency-Key: the retry gets the first answer and no second order;
	// the key with another body is refused.
	idem := orderJSON("http-idem")
	first, h1, a1 := post(idem, "Idempotency-Key", "key-1")
	again, h2, a2 := post(idem, "Idempotency-Key", "key-1")
	other, _, _ := post(orderJSON("http-other"), "Idempotency-Key", "key-1")
	if first != 202 || again != 202 || fmt.Sprint(a1) != fmt.Sprint(a2) || h1.Get("Idempotent-Replayed") != "" || h2.Get("Idempotent-Replayed") != "true" {
		t.Errorf("idempotent retry: %d %v then %d %v (replayed %q), want the same 202, marked replayed", first, a1, again, a2, h2.Get("Idempotent-Replayed"))
	}
	if other != 422 {
		t.Errorf("the key with another body: %d, want 422", other)
	}

	// Concurrent clients: every order answered 202 and settled.
	const clients, each = 20, 10
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("http-c%d-%d", cl, i)
				mu.Lock()
				body := orderJSON(id)
				mu.Unlock()
				resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(body)))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 202 {
					t.Errorf("%s: %d, want 202", id, resp.StatusCode)
					continue
				}
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	testkit.WaitSettled(t, tr, append(ids, "http-idem"), time.Minute)

	// One order record for the idempotent key, one per concurrent order.
	perKey := map[string]int{}
	err := kafkaclient.ReadToEnd(context.Background(), c.Conn(t), c.Cfg.Topics.Orders, func(r kafkaclient.Record) error {
		perKey[string(r.Key)]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if perKey["http-idem"] != 1 || perKey["http-other"] != 0 {
		t.Errorf("orders topic holds http-idem %d times and http-other %d times, want 1 and 0", perKey["http-idem"], perKey["http-other"])
	}
	for _, id := range ids {
		if perKey[id] != 1 {
			t.Errorf("%s is in the orders topic %d times, want 1", id, perKey[id])
		}
	}
	if len(ids) != clients*each {
		t.Errorf("%d of %d concurrent orders accepted", len(ids), clients*each)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
