package gateway

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/handlers"
)

// A bounded store forgets the oldest key first, and only keys it no longer
// keeps are decided again.
func TestMemoryStoreForgetsOldestFirst(t *testing.T) {
	s := NewMemoryStore(3)
	decided := map[string][]int{} // key → the attempts decide was called with
	charge := func(key string, fail bool) {
		t.Helper()
		_, err := s.Charge(context.Background(), key, func(attempt int) (handlers.Receipt, error) {
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
	if r, err := s.Charge(context.Background(), "o-1", charge); err != nil || r.PaymentID != "p-1" || charges != 0 {
		t.Fatalf("o-1 before the torn line: %+v, %v, %d charges; want p-1 and no charge", r, err, charges)
	}
	if _, err := s.Charge(context.Background(), "o-3", charge); err != nil || charges != 1 {
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
	if r, err := s.Charge(context.Background(), "o-3", charge); err != nil || r.PaymentID != "p-3" || charges != 1 {
		t.Errorf("o-3 after a restart: %+v, %v, %d charges; want p-3 from the store and still one charge", r, err, charges)
	}
}

// The file store's lock is shared with other processes; waiting for it ends
// with the handler's context, so a stuck holder costs an attempt, not a wedged
// handler.
func TestFileStoreLockHonoursTheContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.jsonl")
	holder, err := OpenStore(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	release, err := lockFile(context.Background(), holder.(*FileStore).f) // another open of the file holds the lock
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Charge(ctx, "o-1", func(int) (handlers.Receipt, error) { return handlers.Receipt{}, nil })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "held by another process") {
		t.Errorf("Charge while another process holds the lock: %v, want it to give up with the context", err)
	}
	release()
	if _, err := s.Charge(context.Background(), "o-1", func(int) (handlers.Receipt, error) { return handlers.Receipt{PaymentID: "p-1"}, nil }); err != nil {
		t.Errorf("Charge once the lock is free: %v", err)
	}
}

// The file store's index keeps gateway.memory_records keys, as the memory
// store does, forgetting the oldest first: memory does not grow with the file.
func TestFileStoreIndexIsBounded(t *testing.T) {
	s, err := OpenStore(filepath.Join(t.TempDir(), "gateway.jsonl"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	decided := map[string]int{}
	for _, key := range []string{"o-1", "o-2", "o-3", "o-3", "o-1"} {
		if _, err := s.Charge(context.Background(), key, func(int) (handlers.Receipt, error) {
			decided[key]++
			return handlers.Receipt{PaymentID: "p-" + key}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if want := map[string]int{"o-1": 2, "o-2": 1, "o-3": 1}; fmt.Sprint(decided) != fmt.Sprint(want) {
		t.Errorf("decided %v, want %v: o-3 remembered, o-1 forgotten after two newer keys", decided, want)
	}
	if n := len(s.(*FileStore).mem.receipts); n > 2 {
		t.Errorf("the index holds %d keys, want at most 2", n)
	}
}

// Two processes on one store file, and a restart: a charge is decided once
// per key across all of them, attempts count across processes, and a failed
// attempt records no receipt.
func TestFileStoreIsSharedAndSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.jsonl")
	open := func() Store {
		t.Helper()
		s, err := OpenStore(path, 100)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	a, b := open(), open()
	var decided []string
	charge := func(s Store, name string, fail bool) (handlers.Receipt, error) {
		return s.Charge(ctx, "o-1", func(attempt int) (handlers.Receipt, error) {
			decided = append(decided, fmt.Sprintf("%s#%d", name, attempt))
			if fail {
				return handlers.Receipt{}, errors.New("gateway unavailable")
			}
			return handlers.Receipt{PaymentID: "pay-" + name}, nil
		})
	}
	if _, err := charge(a, "a", true); err == nil {
		t.Fatal("the failing attempt reported no error")
	}
	if _, found, _ := b.Receipt(ctx, "o-1"); found {
		t.Fatal("a failed attempt left a receipt")
	}
	first, err := charge(b, "b", false) // the other process: attempt 2, as it read a's
	if err != nil {
		t.Fatal(err)
	}
	again, err := charge(a, "a", false) // a sees b's receipt and decides nothing
	if err != nil || again != first {
		t.Fatalf("second charge in the other process: %+v, %v; want the first receipt %+v", again, err, first)
	}
	a.Close()
	b.Close()
	c := open() // a restart
	defer c.Close()
	if r, found, err := c.Receipt(ctx, "o-1"); err != nil || !found || r != first {
		t.Fatalf("after a restart: %+v, %v, %v; want the first receipt", r, found, err)
	}
	if want := []string{"a#1", "b#2"}; fmt.Sprint(decided) != fmt.Sprint(want) {
		t.Errorf("decided %v, want %v: one decision per attempt, none after the receipt", decided, want)
	}
}
