package console

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pageBudget is how long a page may take with 100,000 letters (issue 23).
const pageBudget = time.Second

// With 100,000 letters in the index, the list (filtered or not, any page)
// and triage answer within a second each, over HTTP, the first time (when
// the index sorts) and after.
func TestPagesWith100kLetters(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 100,000 letters")
	}
	const n = 100_000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	began := time.Now()
	x := caughtUp(filled(n, 4096))
	took := time.Since(began)
	held := heap() - before
	t.Logf("index of %d letters built in %s, holding %.1f MiB (%d bytes a letter)", n, took.Round(time.Millisecond), float64(held)/(1<<20), held/n)
	srv, _ := serveIndex(t, x, testToken)
	for _, tc := range []struct {
		path string
		want string // in the page
	}{
		{"/console/letters", `<strong id="total">100000</strong>`},
		{"/console/letters", `<strong id="total">100000</strong>`},
		{"/console/letters?page=1500", "75001–75050 of"},
		{"/console/letters?kind=panic&reason=injected&pending=1", `<strong id="total">10000</strong>`},
		{"/console/letters?handler=payments&topic=orders&order=ord-099999", `<strong id="total">1</strong>`},
		{"/console/letters?since=2026-12-05T10:00:00Z&until=2026-12-05T10:01:40Z", `<strong id="total">100</strong>`},
		{"/console/triage", `data-count="80000"`},
		{"/console/triage?kind=permanent", `data-count="10000"`},
		{"/console/", `<dd id="n-letters">100000</dd>`},
	} {
		began := time.Now()
		code, body := get(t, srv.URL+tc.path)
		took := time.Since(began)
		t.Logf("GET %-70s %4d %7d bytes in %s", tc.path, code, len(body), took.Round(100*time.Microsecond))
		if code != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want 200 with %q", tc.path, code, tc.want)
		}
		if took > pageBudget {
			t.Errorf("GET %s took %s, over %s", tc.path, took, pageBudget)
		}
	}
	// A cause's letters: the list by the kept signature.
	code, body := get(t, srv.URL+"/console/letters?cause="+
		"panic%3A+panic%3A+gateway+simulator%3A+injected+panic+charging+order+%3Corder%3E")
	if code != http.StatusOK || !strings.Contains(body, `<strong id="total">10000</strong>`) {
		t.Errorf("the panic cause's letters: %d", code)
	}
}
