package schemas_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

// A replay checks a payload against the subject's latest schema: accepted,
// refused by a later narrower version (named), or an error for a subject
// the registry lacks.
func TestLatestRefuses(t *testing.T) {
	reg, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	data, _ := events.Schema(events.TypeOrderPlaced)
	r, err := schemas.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	order, _ := events.Encode(schemastest.Order)
	framed := append([]byte{0, 0, 0, 0, 1}, order...)
	latest := func() *schemas.Latest {
		t.Helper()
		l, err := r.Latest(ctx, "orders-OrderPlaced")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, payload := range [][]byte{order, framed} {
		if refused := latest().Refuses(payload); refused != nil {
			t.Errorf("version 1: %v; want accepted", refused)
		}
	}

	narrower := strings.Replace(string(data), `"maximum": 10000}`, `"maximum": 1}`, 1)
	if _, _, err := reg.RegisterSchema("orders-OrderPlaced", sr.Schema{Schema: narrower, Type: sr.TypeJSON}); err != nil {
		t.Fatal(err)
	}
	want := "schema orders-OrderPlaced version 2 refuses items[0].quantity: maximum: got 2, want 1"
	for _, payload := range [][]byte{order, framed} {
		if refused := latest().Refuses(payload); refused == nil || refused.Error() != want {
			t.Errorf("version 2: %v; want refused: %s", refused, want)
		}
	}
	if _, err := r.Latest(ctx, "orders-Refund"); !errors.Is(err, schemas.ErrNoSubject) || !strings.Contains(err.Error(), "orders-Refund") {
		t.Errorf("unknown subject: %v", err)
	}
}
