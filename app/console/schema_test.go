package console

import (
	"net/http"
	"strings"
	"testing"
)

// A letter's schema subject and version (its schema headers, written with a
// schema registry) are on its page and in the list; a letter without them
// shows "-".
func TestLetterShowsItsSchema(t *testing.T) {
	x := NewIndex("dlq", 4096)
	r := letterRecord(1, "permanent", 0, 0)
	r.Headers["schema_subject"], r.Headers["schema_id"], r.Headers["schema_version"] = "orders-OrderPlaced", "12", "3"
	x.Add(r)
	x.Add(letterRecord(2, "permanent", 0, 1))
	srv, _ := serveIndex(t, caughtUp(x), "")
	for path, want := range map[string]string{
		"/console/letters/0/0": "<th>schema</th><td>orders-OrderPlaced v3</td>",
		"/console/letters/0/1": "<th>schema</th><td>-</td>",
		"/console/letters":     `data-schema="orders-OrderPlaced v3"`,
	} {
		code, body := get(t, srv.URL+path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want %q in:\n%s", path, code, want, body)
		}
	}
}
