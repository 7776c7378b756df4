package intake

import (
	"errors"
	"net/http"
	"sync"
	"testing"
)

func TestKeys(t *testing.T) {
	k := newKeys(2)
	taken := 0
	take := func(status int) func() answer {
		return func() answer { taken++; return answer{status: status, body: []byte("first")} }
	}
	if a, replayed, err := k.do("a", []byte("x"), take(202)); err != nil || replayed || a.status != 202 {
		t.Fatalf("first: %v %v %v", a, replayed, err)
	}
	if a, replayed, err := k.do("a", []byte("x"), take(202)); err != nil || !replayed || string(a.body) != "first" || taken != 1 {
		t.Fatalf("repeat: %v %v %v, taken %d; want the first answer, replayed, taken once", a, replayed, err, taken)
	}
	if _, _, err := k.do("a", []byte("y"), take(202)); err == nil {
		t.Fatal("the key with another body was taken")
	}
	// A 5xx is not kept: the retry runs again.
	k.do("b", []byte("x"), take(503))
	if _, replayed, _ := k.do("b", []byte("x"), take(202)); replayed || taken != 3 {
		t.Fatalf("after a 503: replayed %v, taken %d; want a fresh attempt", replayed, taken)
	}
	// Past the limit the oldest key is forgotten.
	k.do("c", []byte("x"), take(202))
	if _, replayed, _ := k.do("a", []byte("x"), take(202)); replayed {
		t.Fatal("the oldest key was still remembered past the limit")
	}
}

// A repeat while the first request is still being answered is told so, not
// run a second time.
func TestKeysInProgress(t *testing.T) {
	k := newKeys(10)
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		k.do("a", []byte("x"), func() answer { close(inside); <-release; return answer{status: http.StatusAccepted} })
	}()
	<-inside
	if _, _, err := k.do("a", []byte("x"), func() answer { t.Error("ran twice"); return answer{} }); !errors.Is(err, errInProgress) {
		t.Errorf("repeat in progress: %v, want errInProgress", err)
	}
	close(release)
	wg.Wait()
}
