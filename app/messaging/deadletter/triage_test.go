package deadletter

import (
	"fmt"
	"testing"
	"time"
)

// Letters that failed the same way share a signature whatever order, UUID,
// digest or number their reasons name; another error type or another reason
// is another cause. Triage counts each cause, its pending letters, its first
// and last failure, handlers and kinds, the largest first.
func TestTriageGroupsByCause(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 12, 5, 10, 0, s, 0, time.UTC) }
	replayed := at(59)
	unavailable := func(order string, attempt, s int) Letter {
		return Letter{OrderID: order, Handler: "payments", ErrorKind: KindRetriesExhausted, ErrorType: "*gateway.UnavailableError",
			Reason: fmt.Sprintf("charge order %s: payment gateway unavailable (key %s, attempt %d)", order, order, attempt), FailedAt: at(s)}
	}
	conflict := func(order string, cents int, digest string, s int) Letter {
		return Letter{OrderID: order, Handler: "payments", ErrorKind: KindPermanent, ErrorType: "*handlers.ConflictError",
			Reason: fmt.Sprintf("order %s was charged %d.00 EUR (digest %s); this order asks 900.00 EUR, id 6ba7b810-9dad-11d1-80b4-00c04fd430c8", order, cents, digest), FailedAt: at(s)}
	}
	a, b := unavailable("order-17", 3, 5), unavailable("o-2048", 5, 9)
	b.ReplayedAt = &replayed
	letters := []Letter{
		a, b, unavailable("abc", 3, 7),
		conflict("order-1", 300, "40306673710cd9ad147bdfe8893dfeb2", 1), conflict("order-2", 42, "0123456789abcdef0123", 2),
		{OrderID: "order-9", Handler: "shipping", ErrorKind: KindPanic, ErrorType: "string", Reason: "panic: boom", FailedAt: at(3)},
	}
	if Signature(a) != Signature(b) {
		t.Errorf("one failure, two signatures:\n%s\n%s", Signature(a), Signature(b))
	}
	if want := "*gateway.UnavailableError: charge order <order>: payment gateway unavailable (key <order>, attempt <n>)"; Signature(a) != want {
		t.Errorf("signature %q, want %q", Signature(a), want)
	}
	causes := Triage(letters)
	if len(causes) != 3 {
		t.Fatalf("%d causes, want 3: %+v", len(causes), causes)
	}
	got := causes[0]
	if got.Signature != Signature(a) || got.Count != 3 || got.Pending != 2 || !got.FirstSeen.Equal(at(5)) || !got.LastSeen.Equal(at(9)) ||
		fmt.Sprint(got.Handlers, got.Kinds) != "[payments] [retries_exhausted]" || got.Example != b.Reason {
		t.Errorf("the largest cause: %+v", got)
	}
	if c := causes[1]; c.Count != 2 || c.Signature != "*handlers.ConflictError: order <order> was charged <n> EUR (digest <hex>); this order asks <n> EUR, id <uuid>" {
		t.Errorf("the conflict cause: %+v", c)
	}
	if c := causes[2]; c.Count != 1 || fmt.Sprint(c.Handlers, c.Kinds) != "[shipping] [panic]" {
		t.Errorf("the panic cause: %+v", c)
	}
	if !(Filter{Cause: Signature(a)}).Match(b) || (Filter{Cause: Signature(a)}).Match(letters[3]) {
		t.Error("--cause selects by something other than the signature")
	}
}
