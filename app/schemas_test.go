package app_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
	"github.com/orderflow/orderflow/events"
)

// registries runs a test on franz-go's in-memory registry (srfake) and,
// where SCHEMA_REGISTRY names one, on a real registry (Apicurio in CI), each
// on the embedded broker and, where KAFKA_BROKERS names one, on Apache Kafka.
func registries(t *testing.T, test func(t *testing.T, c testkit.Cluster, registry string)) {
	t.Run("srfake", func(t *testing.T) {
		reg := srfake.New()
		t.Cleanup(reg.Close)
		clusters(t, func(t *testing.T, c testkit.Cluster) { test(t, c, reg.URL()) })
	})
	t.Run("registry", func(t *testing.T) {
		url := os.Getenv("SCHEMA_REGISTRY")
		if url == "" {
			t.Skip("SCHEMA_REGISTRY names no schema registry (task registry:up, then SCHEMA_REGISTRY=http://127.0.0.1:8085/apis/ccompat/v7)")
		}
		clusters(t, func(t *testing.T, c testkit.Cluster) { test(t, c, url) })
	})
}

// proxy forwards to the registry at target until it is closed; closed, it
// refuses connections, as a registry that is down does.
func proxy(t *testing.T, target string) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "" // the client's URL keeps the path
	p := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(p.Close)
	return p
}

// With schemas.wire: confluent on a registry: every order is delivered and
// every output is framed with its subject's ID; a foreign producer's plain
// JSON (no headers) flows; a record another registered version refuses is
// dead-lettered permanent, naming subject, version and member. Then the
// registry goes away mid-stream: nothing is lost, the pipeline goes on on the
// schemas it cached, /readyz stays ready but says degraded, and a record
// naming a schema ID never seen is retried, then dead-lettered. A replay
// refuses the letter the latest schema still refuses.
func TestPipelineOnTheRegistry(t *testing.T) { registries(t, pipelineOnTheRegistry) }

func pipelineOnTheRegistry(t *testing.T, c testkit.Cluster, registry string) {
	ctx := context.Background()
	c = c.ForTest(t) // subjects of this test's own topics in a shared registry
	c.Cfg.Schemas.RegistryURL = registry
	reg, err := schemas.New(c.Cfg.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	registered, err := reg.Register(ctx, schemas.Subjects(c.Cfg.Topics))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, r := range registered {
		ids[r.Subject] = r.ID
	}
	// A second version of orders-OrderPlaced, narrower than this build's
	// (at most 1 of an item), registered at NONE as another team might.
	orders := schemas.Subjects(c.Cfg.Topics)[0]
	narrower := orders
	narrower.Schema = []byte(strings.Replace(string(orders.Schema), `"maximum": 10000}`, `"maximum": 1}`, 1))
	none := c.Cfg.Schemas
	none.Compatibility = "NONE"
	noneReg, err := schemas.New(none)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := noneReg.Register(ctx, []schemas.Subject{narrower})
	if err != nil || len(v2) != 1 || v2[0].Version != 2 {
		t.Fatalf("Register(narrower) = %+v, %v; want version 2", v2, err)
	}

	front := proxy(t, registry)
	c.Cfg.Schemas.RegistryURL = front.URL + mustPath(t, registry)
	c.Cfg.Schemas.Wire = config.WireConfluent
	c.Cfg.Schemas.Timeout = 2 * time.Second
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	tr := testkit.Track(t, c)
	raw, err := kgo.NewClient(c.Conn(t).Franz()...)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	produce := func(key string, value []byte) {
		t.Helper()
		if err := raw.ProduceSync(ctx, &kgo.Record{Topic: c.Cfg.Topics.Orders, Key: []byte(key), Value: value}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	order := func(id string, quantity int) []byte {
		return fmt.Appendf(nil, `{"order_id":"%s","customer_id":"c-1","email":"c@example.com","currency":"EUR","items":[{"sku":"A","quantity":%d,"price_cents":100}],"total_cents":%d}`, id, quantity, quantity*100)
	}
	framed := func(id int, payload []byte) []byte {
		return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), payload...)
	}

	produce("foreign-1", order("foreign-1", 2))                         // plain JSON, no headers
	produce("framed-1", framed(ids[orders.Name], order("framed-1", 2))) // this build's schema, framed
	produce("refused-1", framed(v2[0].ID, order("refused-1", 2)))       // version 2 refuses quantity 2
	// Half the seeded orders flow with the registry up, the rest after it went.
	seeded := make(chan seed.Manifest, 1)
	go func() {
		m, err := seed.Run(ctx, testkit.Producer(t, c), c.Cfg, seed.Plan{Count: 400, Rate: 200}, nil)
		if err != nil {
			t.Error(err)
		}
		seeded <- m
	}()
	testkit.WaitFor(t, 30*time.Second, "some orders notified", func() (bool, string) {
		return tr.Notified() >= 20, fmt.Sprintf("%d notified", tr.Notified())
	})
	front.Close() // the registry is unreachable from here on
	m := <-seeded
	testkit.WaitSettled(t, tr, append(m.Orders, "foreign-1", "framed-1", "refused-1"), time.Minute)
	var lost []string
	for _, id := range append(m.Orders, "foreign-1", "framed-1") {
		if o, _ := tr.Order(id); o.Notified != 1 || len(o.DeadLetters) != 0 {
			lost = append(lost, fmt.Sprintf("%s (notified %d, %d dead letters)", id, o.Notified, len(o.DeadLetters)))
			if len(lost) == 1 && len(o.DeadLetters) > 0 {
				t.Errorf("%s: dead-lettered: %s", id, o.DeadLetters[0].Reason)
			}
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d orders not notified exactly once without a dead letter, e.g. %s", len(lost), len(m.Orders)+2, lost[0])
	}
	o, _ := tr.Order("refused-1")
	want := fmt.Sprintf("schema %s version 2 refuses items[0].quantity: maximum: got 2, want 1", orders.Name)
	if len(o.DeadLetters) != 1 || o.DeadLetters[0].ErrorKind != deadletter.KindPermanent || !strings.Contains(o.DeadLetters[0].Reason, want) ||
		o.DeadLetters[0].Headers[events.HeaderSchemaVersion] != "2" {
		t.Errorf("refused-1: dead letters %+v, want one permanent naming %q, marked version 2", o.DeadLetters, want)
	}

	// During the outage: ready, degraded, and an ID never seen waits for the
	// registry, retried, then dead-lettered.
	resp, err := http.Get("http://" + srv.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "ready, degraded:\nschema registry unreachable") {
		t.Errorf("/readyz during the outage = %d %q, want 200 ready, degraded", resp.StatusCode, body)
	}
	unseen := &kgo.Record{Topic: c.Cfg.Topics.Orders, Key: []byte("unseen-1"), Value: framed(v2[0].ID+1000, order("unseen-1", 1)),
		Headers: []kgo.RecordHeader{{Key: events.HeaderType, Value: []byte(events.TypeOrderPlaced)}}}
	if err := raw.ProduceSync(ctx, unseen).FirstErr(); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 30*time.Second, "the unseen ID dead-lettered", func() (bool, string) {
		o, _ := tr.Order("unseen-1")
		return len(o.DeadLetters) == 1, fmt.Sprintf("%+v", o)
	})
	o, _ = tr.Order("unseen-1")
	if d := o.DeadLetters[0]; d.ErrorKind != deadletter.KindRetriesExhausted || d.Attempts != c.Cfg.Retry.MaxAttempts ||
		!strings.Contains(d.Reason, "look up schema ID "+strconv.Itoa(v2[0].ID+1000)) {
		t.Errorf("unseen-1: %s after %d attempts: %q; want retries_exhausted after %d naming the lookup", d.ErrorKind, d.Attempts, d.Reason, c.Cfg.Retry.MaxAttempts)
	}

	// A replay checks each letter against its subject's latest schema (with
	// the registry back): version 2 still refuses refused-1, and accepts
	// unseen-1 (quantity 1).
	back := c.Cfg
	back.Schemas.RegistryURL = registry
	backReg, err := schemas.New(back.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	results, err := deadletter.Replay(ctx, c.Conn(t), back, backReg, deadletter.Filter{Topic: c.Cfg.Topics.Orders}, true)
	if err != nil {
		t.Fatal(err)
	}
	refusedWhy := map[string]string{}
	for _, r := range results {
		refusedWhy[r.Letter.OrderID] = r.Refused
	}
	if len(results) != 2 || refusedWhy["refused-1"] != "no longer valid against the latest schema: "+want || refusedWhy["unseen-1"] != "" {
		t.Errorf("replay refusals %q, want refused-1 refused naming version 2's refusal, unseen-1 replayable", refusedWhy)
	}

	// Every output is framed with its subject's ID, and says so in headers.
	outputs := map[string]string{c.Cfg.Topics.Payments: "", c.Cfg.Topics.Shipments: events.TypeShipmentScheduled, c.Cfg.Topics.Notifications: events.TypeCustomerNotified}
	for topic := range outputs {
		cl, err := kgo.NewClient(append(c.Conn(t).Franz(), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
		if err != nil {
			t.Fatal(err)
		}
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		fetches := cl.PollRecords(fctx, 50)
		cancel()
		cl.Close()
		if fetches.NumRecords() == 0 {
			t.Errorf("%s: no records read", topic)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, kv := range r.Headers {
				h[kv.Key] = string(kv.Value)
			}
			subject := topic + "-" + h[events.HeaderType]
			id := ids[subject]
			if len(r.Value) < 5 || r.Value[0] != 0 || int(binary.BigEndian.Uint32(r.Value[1:5])) != id || r.Value[5] != '{' ||
				h[events.HeaderSchemaSubject] != subject || h[events.HeaderSchemaID] != strconv.Itoa(id) || h[events.HeaderSchemaVersion] != "1" {
				t.Errorf("%s record %q headers %v: want framed with %s's ID %d, and its headers", topic, r.Value, h, subject, id)
			}
		})
	}
}

// mustPath is the path of the registry's URL (/apis/ccompat/v7 on Apicurio).
func mustPath(t *testing.T, registry string) string {
	u, err := url.Parse(registry)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}
