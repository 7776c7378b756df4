package gateway

import (
	"fmt"
	"testing"

	"github.com/orderflow/orderflow/handlers"
)

// A bounded store forgets the oldest key first, and only keys it no longer
// keeps are decided again.
func TestMemoryStoreForgetsOldestFirst(t *testing.T) {
	s := NewMemoryStore(3)
	decided := map[string][]int{} // key → the attempts decide was called with
	charge := func(key string, fail bool) {
		t.Helper()
		_, err := s.Charge(key, func(attempt int) (handlers.Receipt, error) {
			decided[key] = append(decided[key], attempt)
			if fail {
				return handlers.Receipt{}, fmt.Errorf("transient")
			}
			return handlers.Receipt{PaymentID: "pay-" + key}, nil
		})
		if (err != nil) != fail {
			t.Fatalf("charge %s: err %v", key, err)
		}
	}
	charge("a", true) // a flaky first attempt
	charge("a", false)
	charge("b", false)
	charge("c", false)
	charge("b", false) // kept: not decided again
	if got := s.Charges(); got != 3 {
		t.Fatalf("charges = %d, want 3", got)
	}
	charge("d", false) // forgets a, the oldest
	charge("a", false) // decided afresh, from attempt 1; forgets b
	charge("c", false) // still kept
	want := map[string][]int{"a": {1, 2, 1}, "b": {1}, "c": {1}, "d": {1}}
	if fmt.Sprint(decided) != fmt.Sprint(want) {
		t.Fatalf("decided = %v, want %v", decided, want)
	}
	if got := s.Charges(); got != 3 {
		t.Fatalf("charges = %d after eviction, want 3", got)
	}
}
