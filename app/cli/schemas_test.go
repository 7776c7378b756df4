package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/orderflow/orderflow/events"
)

// registryURL is the schema registry the schema tests run on: SCHEMA_REGISTRY
// (CI starts Apicurio Registry with task registry:up); without it they skip.
func registryURL(t *testing.T) string {
	url := os.Getenv("SCHEMA_REGISTRY")
	if url == "" {
		t.Skip("SCHEMA_REGISTRY names no schema registry (task registry:up, then SCHEMA_REGISTRY=http://127.0.0.1:8085/apis/ccompat/v7)")
	}
	return url
}

// On a real registry: check passes before anything is registered, register
// registers every event type once (again: same IDs and versions), and when
// the registry's latest OrderPlaced has a required field the repo's schema
// lacks — the repo removed it — check exits 1 naming the subject and the
// field. (register keeps the repo's schema at version 1, since the registry
// holds it already; app/schemas tests a refused registration.)
func TestSchemasOnTheRegistry(t *testing.T) {
	url := registryURL(t)
	t.Chdir(t.TempDir())
	suffix := fmt.Sprintf("-%x", time.Now().UnixNano()) // subjects of this run only
	t.Setenv("ORDERFLOW_SCHEMAS_REGISTRY_URL", url)
	for _, topic := range []string{"ORDERS", "PAYMENTS", "SHIPMENTS", "NOTIFICATIONS", "DEAD_LETTER"} {
		t.Setenv("ORDERFLOW_TOPICS_"+topic, strings.ToLower(topic)+suffix)
	}
	orders := "orders" + suffix + "-OrderPlaced"
	expect := func(wantCode int, args string, want ...string) string {
		t.Helper()
		code, out, errs := runMain(strings.Fields(args)...)
		if code != wantCode {
			t.Fatalf("orderflow %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, wantCode, out, errs)
		}
		said := strings.Join(strings.Fields(out+errs), " ") // columns aside
		for _, w := range want {
			if !strings.Contains(said, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("orderflow %s lacks %q:\n%s%s", args, w, out, errs)
			}
		}
		return out
	}

	expect(0, "schemas check", orders+" not registered yet")
	first := expect(0, "schemas register", orders, "payments"+suffix+"-PaymentDeclined", "notifications"+suffix+"-CustomerNotified", "version 1")
	if got := strings.Count(first, "version 1\n"); got != len(events.Types()) {
		t.Errorf("register printed %d subjects at version 1, want %d:\n%s", got, len(events.Types()), first)
	}
	if again := expect(0, "schemas register"); again != first {
		t.Errorf("registering again changed IDs or versions:\n%s\nwant\n%s", again, first)
	}
	expect(0, "schemas check", orders+" unchanged from version 1")

	// Version 2 of OrderPlaced with a required gift_note, registered past
	// the level (NONE, then BACKWARD again): the repo's schema, without it,
	// is now a removed required field.
	client, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	schema, _ := events.Schema(events.TypeOrderPlaced)
	withGift := strings.Replace(string(schema), `"properties": {`, `"properties": {"gift_note": {"type": "string"},`, 1)
	withGift = strings.Replace(withGift, `"required": [`, `"required": ["gift_note", `, 1)
	setLevel := func(level sr.CompatibilityLevel) {
		if res := client.SetCompatibility(ctx, sr.SetCompatibility{Level: level}, orders); res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
	}
	setLevel(sr.CompatNone)
	if _, err := client.CreateSchema(ctx, orders, sr.Schema{Schema: withGift, Type: sr.TypeJSON}); err != nil {
		t.Fatal(err)
	}
	setLevel(sr.CompatBackward)

	expect(1, "schemas check",
		orders+" REFUSED: incompatible with version 2 under BACKWARD: required property gift_note removed",
		"payments"+suffix+"-PaymentSucceeded unchanged from version 1",
		"orderflow schemas check: 1 of 5 subjects would break their readers under BACKWARD")
	expect(0, "schemas register", "version 1 (registered before; the latest is version 2)")
}
