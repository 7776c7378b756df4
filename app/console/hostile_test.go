package console

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// hostile is what a producer to an input topic can put in a letter: markup
// in the payload, a header's name and value, the key and the reason.
const (
	scriptTag = `<script>window.__pwned=1</script>`
	imgTag    = `<img src=x onerror="window.__pwned=2">`
	jsURL     = `javascript:window.__pwned=3`
)

// hostileRecord is a letter whose every producer-written part carries
// scriptTag, imgTag or jsURL, at p/o of the dead-letter topic.
func hostileRecord(p int32, o int64) kafkaclient.Record {
	r := letterRecord(7, deadletter.KindPermanent, p, o)
	r.Key = []byte(`ord-<b>7</b>` + imgTag)
	r.Value = []byte(`{"order_id":"` + strings.ReplaceAll(scriptTag, `"`, `\"`) + `","url":"` + jsURL + `"}`)
	r.Headers[deadletter.HeaderReason] = "payload is not valid JSON " + scriptTag + imgTag
	r.Headers["event_type"] = imgTag
	r.Headers["x-"+scriptTag] = jsURL
	r.Headers["correlation_id"] = jsURL
	return r
}

// The letter's parts are shown as text: no tag of theirs reaches the page as
// markup, and no URL of theirs becomes a link.
func TestHostileLetterIsEscaped(t *testing.T) {
	x := NewIndex("dlq", 4096)
	x.Add(hostileRecord(0, 0))
	srv, _ := serveIndex(t, caughtUp(x), "")
	for _, path := range []string{"/console/letters/0/0", "/console/letters", "/console/triage"} {
		code, body := get(t, srv.URL+path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		for _, raw := range []string{"<script>window", "<img src=x", `href="javascript:`, "<b>7</b>"} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s: %q is in the page as markup", path, raw)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;window.__pwned=1&lt;/script&gt;") && !strings.Contains(body, `&lt;img src=x onerror=&#34;window.__pwned=2&#34;&gt;`) {
			t.Errorf("GET %s: the hostile text is not shown escaped:\n%s", path, body)
		}
	}
}
