package intake

import (
	"container/list"
	"sync"
)

// taken is what the intake recorded of an order it took: enough to tell the
// same order sent again from another order that reuses its ID.
type taken struct {
	id       string
	digest   string // events.OrderPlaced.Digest
	cents    int64
	currency string
}

// orders remembers the orders this process took, up to limit IDs, forgetting
// the oldest first. It knows nothing of orders taken by another process, or
// before a restart: the payment gateway's record is the authority on those.
type orders struct {
	mu    sync.Mutex
	limit int
	byID  map[string]*list.Element
	order *list.List // of taken, oldest first
}

func newOrders(limit int) *orders {
	return &orders{limit: limit, byID: map[string]*list.Element{}, order: list.New()}
}

// claim records t unless its ID was taken before: then it returns what was
// taken under the ID and whether t is another order (a conflict).
func (o *orders) claim(t taken) (before taken, conflict, claimed bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if el, ok := o.byID[t.id]; ok {
		before = el.Value.(taken)
		return before, before.digest != t.digest, false
	}
	o.byID[t.id] = o.order.PushBack(t)
	for o.order.Len() > o.limit {
		oldest := o.order.Front()
		o.order.Remove(oldest)
		delete(o.byID, oldest.Value.(taken).id)
	}
	return taken{}, false, true
}

// release forgets t, claimed by an order that was not taken after all.
func (o *orders) release(t taken) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if el, ok := o.byID[t.id]; ok && el.Value.(taken) == t {
		o.order.Remove(el)
		delete(o.byID, t.id)
	}
}
