package intake

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
)

var errInProgress = errors.New("a request with this Idempotency-Key is still being answered; retry it shortly")

// keys remembers the answer given to each Idempotency-Key, with a digest of
// its request, up to limit keys, forgetting the oldest first. They live in
// this process only: a restart forgets them (the order ID stays the
// downstream idempotency key: the gateway never charges an order twice).
type keys struct {
	mu    sync.Mutex
	limit int
	byKey map[string]*list.Element
	order *list.List // of *entry, oldest first
}

type entry struct {
	key    string
	digest [32]byte
	done   bool
	answer answer
}

func newKeys(limit int) *keys {
	return &keys{limit: limit, byKey: map[string]*list.Element{}, order: list.New()}
}

// do answers key: the first request runs take; a repeat with the same body gets
// the first answer (replayed), one with another body an error, one while the
// first is still running errInProgress. A 5xx answer is not kept, so a retry
// after it runs again.
func (k *keys) do(key string, body []byte, take func() answer) (a answer, replayed bool, err error) {
	digest := sha256.Sum256(body)
	k.mu.Lock()
	if el, ok := k.byKey[key]; ok {
		e := el.Value.(*entry)
		k.mu.Unlock()
		switch {
		case e.digest != digest:
			return answer{}, false, errors.New("this Idempotency-Key was used with another request body")
		case !e.done:
			return answer{}, false, errInProgress
		}
		return e.answer, true, nil
	}
	e := &entry{key: key, digest: digest}
	k.byKey[key] = k.order.PushBack(e)
	for k.order.Len() > k.limit {
		oldest := k.order.Front()
		k.order.Remove(oldest)
		delete(k.byKey, oldest.Value.(*entry).key)
	}
	k.mu.Unlock()

	a = take()
	k.mu.Lock()
	defer k.mu.Unlock()
	if a.status >= http.StatusInternalServerError {
		if el, ok := k.byKey[key]; ok && el.Value.(*entry) == e {
			k.order.Remove(el)
			delete(k.byKey, key)
		}
		return a, false, nil
	}
	e.done, e.answer = true, answer{status: a.status, contentType: a.contentType, body: bytes.Clone(a.body)}
	return a, false, nil
}
