package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
	"github.com/orderflow/orderflow/events"
)

func TestOrderIDReusedForAnotherOrder(t *testing.T) { clusters(t, orderIDReusedForAnotherOrder) }

// One order ID, two totals. Over HTTP the second is refused with 409 naming
// both amounts. Written to the orders topic by another producer, it reaches
// the gateway, which refuses it: one charge (300), one PaymentSucceeded with
// 300, one dead letter naming both amounts, nothing shipped for it. A forged
// PaymentSucceeded that states another amount than the gateway charged is
// dead-lettered by shipping and notifications. The order came without
// placed_at: its notification carries when the intake took it.
func orderIDReusedForAnotherOrder(t *testing.T, c testkit.Cluster) {
	c.Cfg.Gateway.StorePath = filepath.Join(t.TempDir(), "gateway.jsonl")
	start := time.Now()
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	tr := testkit.Track(t, c)
	rng := rand.New(rand.NewPCG(3, 4))
	const id = "conflict-X"
	order := func(cents int64) events.OrderPlaced {
		o := seed.Order(id, rng)
		o.Items = []events.Item{{SKU: "TV", Quantity: 1, PriceCents: cents}}
		o.TotalCents = cents
		o.PlacedAt = time.Time{} // dated by the intake
		return o
	}
	post := func(o events.OrderPlaced) (int, string) {
		body, _ := json.Marshal(o)
		resp, err := http.Post("http://"+srv.Addr()+"/orders", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}

	if code, body := post(order(30_000)); code != http.StatusAccepted {
		t.Fatalf("first order: %d %s", code, body)
	}
	testkit.WaitFor(t, time.Minute, "the first order shipped and notified", func() (bool, string) {
		o, _ := tr.Order(id)
		return o.Shipped == 1 && o.Notified == 1, fmt.Sprintf("%+v", o)
	})
	if code, body := post(order(90_000)); code != http.StatusConflict || !strings.Contains(body, "300.00 EUR") || !strings.Contains(body, "900.00 EUR") {
		t.Errorf("the ID again for 900 EUR over HTTP: %d %s; want 409 naming both amounts", code, body)
	}

	// Another producer writes the 900 EUR order to the topic.
	msg, err := codec.NewEventMessage(order(90_000), "corr-conflict")
	if err != nil {
		t.Fatal(err)
	}
	if err := testkit.Producer(t, c).Send(c.Cfg.Topics.Orders, msg); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, time.Minute, "the second order dead-lettered", func() (bool, string) {
		o, _ := tr.Order(id)
		return len(o.DeadLetters) == 1, fmt.Sprintf("%+v", o)
	})
	o, _ := tr.Order(id)
	letter := o.DeadLetters[0]
	if letter.Handler != "payments" || letter.ErrorKind != deadletter.KindPermanent ||
		!strings.Contains(letter.Reason, "order conflict-X was charged 300.00 EUR; this order asks 900.00 EUR") {
		t.Errorf("dead letter: %s %s %q; want payments, permanent, naming both amounts", letter.Handler, letter.ErrorKind, letter.Reason)
	}

	// A forged payment of 900 EUR under the real payment's ID.
	forged, err := codec.NewEventMessage(events.PaymentSucceeded{OrderID: id, PaymentID: "pay-" + id, CustomerID: "c", Email: "c@example.com",
		AmountCents: 90_000, Currency: "EUR", ChargedAt: time.Now().UTC(), PlacedAt: time.Now().UTC()}, "corr-forged")
	if err != nil {
		t.Fatal(err)
	}
	if err := testkit.Producer(t, c).Send(c.Cfg.Topics.Payments, forged); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, time.Minute, "the forged payment dead-lettered by shipping and notifications", func() (bool, string) {
		o, _ := tr.Order(id)
		return len(o.DeadLetters) == 3, fmt.Sprintf("%+v", o)
	})
	o, _ = tr.Order(id)
	for _, d := range o.DeadLetters[1:] {
		if d.ErrorKind != deadletter.KindPermanent || !strings.Contains(d.Reason, "states 900.00 EUR, but the gateway charged 300.00 EUR") {
			t.Errorf("forged payment's letter from %s: %s %q", d.Handler, d.ErrorKind, d.Reason)
		}
	}

	// Per topic: one payment of 300 EUR, one shipment, one notification; one charge.
	var payments []events.PaymentSucceeded
	shipments := 0
	read := func(topic string, fn func(kafkaclient.Record)) {
		err := kafkaclient.ReadToEnd(context.Background(), c.Conn(t), topic, func(r kafkaclient.Record) error {
			if string(r.Key) == id {
				fn(r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	read(c.Cfg.Topics.Payments, func(r kafkaclient.Record) {
		if r.Headers[events.HeaderCorrelationID] == "corr-forged" {
			return
		}
		var p events.PaymentSucceeded
		if err := json.Unmarshal(r.Value, &p); err != nil {
			t.Fatal(err)
		}
		payments = append(payments, p)
	})
	read(c.Cfg.Topics.Shipments, func(kafkaclient.Record) { shipments++ })
	if len(payments) != 1 || payments[0].AmountCents != 30_000 {
		t.Errorf("payments of %s: %+v; want one of 30000 cents", id, payments)
	}
	// The order came without placed_at: every event carries when it entered.
	read(c.Cfg.Topics.Notifications, func(r kafkaclient.Record) {
		var n events.CustomerNotified
		if err := json.Unmarshal(r.Value, &n); err != nil {
			t.Fatal(err)
		}
		if n.PlacedAt.Before(start) || n.PlacedAt.After(time.Now()) {
			t.Errorf("%s notified with placed_at %s; want when the intake took it (after %s)", id, n.PlacedAt, start)
		}
	})
	if o, _ = tr.Order(id); shipments != 1 || o.Notified != 1 {
		t.Errorf("%s: %d shipments, %d notifications; want one each", id, shipments, o.Notified)
	}
	f, err := os.Open(c.Cfg.Gateway.StorePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := testkit.Receipts(f)[id]; n != 1 {
		t.Errorf("%s charged %d times, want once", id, n)
	}
}

func TestSeedFaultsNeedInjection(t *testing.T) { clusters(t, seedFaultsNeedInjection) }

// With faults.inject off, seed's fault header does nothing: every order it
// marked is paid (or declined) without a retry, and only poison is
// dead-lettered.
func seedFaultsNeedInjection(t *testing.T, c testkit.Cluster) {
	c.Cfg.Faults.Inject = false
	testkit.StartApp(t, c.Cfg)
	m, tr := testkit.SeedSettled(t, c, seed.Plan{Count: 40, Poison: 2, Flaky: 4, Fail: 4, Panic: 4}, time.Minute)
	for _, id := range m.Orders {
		o, _ := tr.Order(id)
		poison := false
		for _, p := range m.Poison {
			poison = poison || p == id
		}
		switch {
		case poison && len(o.DeadLetters) != 1:
			t.Errorf("poison %s: %d dead letters, want 1", id, len(o.DeadLetters))
		case !poison && (len(o.DeadLetters) != 0 || o.Paid+o.Declined != 1):
			t.Errorf("%s: %+v; want paid or declined once, no dead letter", id, o)
		}
	}
}
