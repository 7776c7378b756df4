package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
	"github.com/orderflow/orderflow/events"
)

func TestTraceparentTravels(t *testing.T) { clusters(t, traceparentTravels) }

// A traceparent sent with an order, by a Kafka client or over HTTP, arrives
// with the same trace ID on its payment, shipment and notification, and on
// the dead letter of an order that fails.
func traceparentTravels(t *testing.T, c testkit.Cluster) {
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	tr := testkit.Track(t, c)
	traces := map[string]string{ // order → the trace ID it was sent with
		"trace-kafka":  "4bf92f3577b34da6a3ce929d0e0e4736",
		"trace-poison": "0af7651916cd43dd8448eb211c80319c",
		"trace-http":   "5b8aa5a2d2c872e8321cf37308d69df2",
	}
	prod := testkit.Producer(t, c)
	sendTraced(t, prod, c.Cfg.Topics.Orders, "trace-kafka", traces["trace-kafka"], true)
	sendTraced(t, prod, c.Cfg.Topics.Orders, "trace-poison", traces["trace-poison"], false)
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr()+"/orders", strings.NewReader(
		`{"order_id":"trace-http","customer_id":"cus-1","email":"ada@example.com","currency":"EUR","items":[{"sku":"A","quantity":2,"price_cents":150}],"total_cents":300}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traces["trace-http"]+"-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("POST /orders: %s", resp.Status)
	}
	testkit.WaitSettled(t, tr, []string{"trace-kafka", "trace-poison", "trace-http"}, time.Minute)

	t1 := c.Cfg.Topics
	want := map[string][]string{ // order → the topics its trace must reach
		"trace-kafka":  {t1.Payments, t1.Shipments, t1.Notifications},
		"trace-http":   {t1.Payments, t1.Shipments, t1.Notifications},
		"trace-poison": {t1.DeadLetter},
	}
	for id, topics := range want {
		for _, topic := range topics {
			found := 0
			for _, r := range testkit.KcatRead(t, c.Brokers, topic) {
				if r.Key != id {
					continue
				}
				found++
				if parts := strings.Split(r.Headers["traceparent"], "-"); len(parts) != 4 || parts[1] != traces[id] {
					t.Errorf("%s in %s: traceparent %q, want trace %s", id, topic, r.Headers["traceparent"], traces[id])
				}
			}
			if found == 0 {
				t.Errorf("%s: nothing in %s", id, topic)
			}
		}
	}
}

// sendTraced sends order id to topic as a Kafka client would, with a
// traceparent of traceID whose parent span is 00f067aa0ba902b7; an invalid
// order is dead-lettered by the payments step.
func sendTraced(t *testing.T, prod *kafkaclient.Producer, topic, id, traceID string, valid bool) {
	t.Helper()
	o := events.OrderPlaced{OrderID: id, CustomerID: "cus-1", Email: "ada@example.com", Currency: "EUR",
		Items: []events.Item{{SKU: "A", Quantity: 2, PriceCents: 150}}, TotalCents: 300}
	if !valid {
		o.TotalCents = -1
	}
	msg, err := codec.NewEventMessage(o, "corr-"+id)
	if err != nil {
		t.Fatal(err)
	}
	msg.Metadata.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if err := prod.Send(topic, msg); err != nil {
		t.Fatal(err)
	}
}
