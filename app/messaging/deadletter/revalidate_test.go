package deadletter

import (
	"context"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

// A letter whose subject the registry lacks is that letter's refusal, named;
// the letters around it are re-validated all the same. A registry that
// cannot be asked stops the replay.
func TestRevalidateRefusesALetterWithoutASubject(t *testing.T) {
	fake, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	order, _ := events.Encode(schemastest.Order)
	letter := func(uuid, eventType string) ReplayResult {
		return ReplayResult{Letter: Letter{UUID: uuid, Topic: "orders", Payload: order, Headers: map[string]string{events.HeaderType: eventType}}}
	}
	reg, err := schemas.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := []ReplayResult{letter("a", events.TypeOrderPlaced), letter("b", "Refund"), letter("c", events.TypeOrderPlaced)}
	if err := revalidate(context.Background(), reg, out); err != nil {
		t.Fatalf("revalidate() = %v, want the unknown subject refused, not the replay", err)
	}
	if out[0].Refused != "" || out[2].Refused != "" {
		t.Errorf("valid letters refused: %q, %q", out[0].Refused, out[2].Refused)
	}
	if !strings.Contains(out[1].Refused, "no subject orders-Refund") {
		t.Errorf("letter of an unknown event type: refused %q, want it to name orders-Refund", out[1].Refused)
	}

	fake.Close()
	if err := revalidate(context.Background(), reg, []ReplayResult{letter("d", events.TypeOrderPlaced)}); err == nil {
		t.Error("revalidate() with the registry down = nil, want the replay stopped")
	}
}
