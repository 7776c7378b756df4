package gateway

import (
	"context"
	"sync"

	"github.com/orderflow/orderflow/handlers"
)

// Store keeps the gateway's idempotency records. Charge runs decide only while
// key has no receipt, with the attempt number (1 for the first), and keeps the
// receipt decide returns. It returns the kept receipt for a key charged before.
type Store interface {
	Charge(ctx context.Context, key string, decide func(attempt int) (handlers.Receipt, error)) (handlers.Receipt, error)
	// Receipt returns the receipt recorded under key, if any.
	Receipt(ctx context.Context, key string) (handlers.Receipt, bool, error)
	Close() error
}

// MemoryStore keeps the records of the last limit keys for the life of the
// process, forgetting the oldest key first.
type MemoryStore struct {
	mu       sync.Mutex
	attempts map[string]int
	receipts map[string]handlers.Receipt
	limit    int      // keys kept; 0 keeps every key
	keys     []string // in the order first charged; a ring once full
	oldest   int      // index in keys of the next key to forget
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store that keeps up to limit keys' records,
// or every key's with limit 0.
func NewMemoryStore(limit int) *MemoryStore {
	return &MemoryStore{attempts: map[string]int{}, receipts: map[string]handlers.Receipt{}, limit: limit}
}

func (m *MemoryStore) Charge(_ context.Context, key string, decide func(int) (handlers.Receipt, error)) (handlers.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.receipts[key]; ok {
		return r, nil
	}
	if _, seen := m.attempts[key]; !seen {
		m.remember(key)
	}
	m.attempts[key]++
	r, err := decide(m.attempts[key])
	if err != nil {
		return handlers.Receipt{}, err
	}
	m.receipts[key] = r
	return r, nil
}

// remember records that key is new, forgetting the oldest key once limit keys are kept.
func (m *MemoryStore) remember(key string) {
	switch {
	case m.limit == 0:
	case len(m.keys) < m.limit:
		m.keys = append(m.keys, key)
	default:
		forget := m.keys[m.oldest]
		delete(m.attempts, forget)
		delete(m.receipts, forget)
		m.keys[m.oldest] = key
		m.oldest = (m.oldest + 1) % m.limit
	}
}

func (m *MemoryStore) Receipt(_ context.Context, key string) (handlers.Receipt, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.receipts[key]
	return r, ok, nil
}

// Charges returns how many keys have a receipt.
func (m *MemoryStore) Charges() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.receipts)
}

func (m *MemoryStore) Close() error { return nil }
