package gateway

import (
	"sync"

	"github.com/orderflow/orderflow/handlers"
)

// Store keeps the gateway's idempotency records. Charge runs decide only while
// key has no receipt, with the attempt number (1 for the first), and keeps the
// receipt decide returns. It returns the kept receipt for a key charged before.
type Store interface {
	Charge(key string, decide func(attempt int) (handlers.Receipt, error)) (handlers.Receipt, error)
	Close() error
}

// MemoryStore keeps records for the life of the process.
type MemoryStore struct {
	mu       sync.Mutex
	attempts map[string]int
	receipts map[string]handlers.Receipt
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{attempts: map[string]int{}, receipts: map[string]handlers.Receipt{}}
}

func (m *MemoryStore) Charge(key string, decide func(int) (handlers.Receipt, error)) (handlers.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.receipts[key]; ok {
		return r, nil
	}
	m.attempts[key]++
	r, err := decide(m.attempts[key])
	if err != nil {
		return handlers.Receipt{}, err
	}
	m.receipts[key] = r
	return r, nil
}

// Charges returns how many keys have a receipt.
func (m *MemoryStore) Charges() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.receipts)
}

func (m *MemoryStore) Close() error { return nil }
