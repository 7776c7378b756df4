package gateway

import (
	"fmt"
	"os"
	"path/filepath"
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

// A store file that ends in a torn line (a crash mid-write) loses that line
// only: the record appended after it stays readable, so after a restart the
// order it charged is not charged again.
func TestFileStoreEndsATornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.jsonl")
	torn := `{"key":"o-1","attempt":1,"receipt":{"PaymentID":"p-1"}}` + "\n" + `{"key":"o-2","att`
	if err := os.WriteFile(path, []byte(torn), 0o600); err != nil {
		t.Fatal(err)
	}
	charges := 0
	charge := func(int) (handlers.Receipt, error) { charges++; return handlers.Receipt{PaymentID: "p-3"}, nil }

	s, err := OpenStore(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Charge("o-1", charge); err != nil || r.PaymentID != "p-1" || charges != 0 {
		t.Fatalf("o-1 before the torn line: %+v, %v, %d charges; want p-1 and no charge", r, err, charges)
	}
	if _, err := s.Charge("o-3", charge); err != nil || charges != 1 {
		t.Fatalf("o-3: %v, %d charges; want one", err, charges)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart reads the file again: o-3's record must be there.
	s, err = OpenStore(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Charge("o-3", charge); err != nil || r.PaymentID != "p-3" || charges != 1 {
		t.Errorf("o-3 after a restart: %+v, %v, %d charges; want p-3 from the store and still one charge", r, err, charges)
	}
}
