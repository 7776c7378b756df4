package console

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

const testToken = "test-operator-token-0123456789"

// caughtUp records the topic's ends as what x has read: x is current.
func caughtUp(x *Index) *Index {
	x.mu.RLock()
	ends := map[int32]int64{}
	for p, n := range x.read {
		ends[p] = n
	}
	x.mu.RUnlock()
	x.setEnds(ends)
	return x
}

// serveIndex serves a console on x, with token as its operator token ("":
// read-only) and brokers where nothing listens; logs collect its log.
func serveIndex(t testing.TB, x *Index, token string) (srv *httptest.Server, logs *bytes.Buffer) {
	t.Helper()
	cfg := config.Default()
	cfg.Console.Token = config.Secret(token)
	cfg.Console.Wait = time.Second
	conn, err := kafkaclient.Connect([]string{"127.0.0.1:1"}, cfg.Kafka)
	if err != nil {
		t.Fatal(err)
	}
	logs = &bytes.Buffer{}
	c, err := New(Config{Index: x, Conn: conn, Config: cfg, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv, logs
}

func get(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post sends form to the console's replay as a page of its own would,
// with extra headers.
func post(t testing.TB, srv *httptest.Server, form url.Values, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/console/replay", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func replayForm(token string) url.Values {
	v := url.Values{"scope": {"filter"}, "kind": {"panic"}, "step": {"replay"}}
	if token != "" {
		v.Set("token", token)
	}
	return v
}

// Replay needs the operator token; without one configured the console is
// read-only and says so. Reading needs no token. A request that passes
// reaches deadletter.Replay, whose brokers here do not answer: 502.
func TestReplayNeedsTheOperatorToken(t *testing.T) {
	srv, logs := serveIndex(t, caughtUp(filled(20, 4096)), testToken)
	for _, tc := range []struct {
		name, token string
	}{{"no token", ""}, {"wrong token", testToken + "x"}, {"a prefix of it", testToken[:10]}} {
		code, body := post(t, srv, replayForm(tc.token))
		if code != http.StatusForbidden || !strings.Contains(body, "Wrong or missing operator token") {
			t.Errorf("%s: %d, want 403 naming the token:\n%s", tc.name, code, body)
		}
	}
	if !strings.Contains(logs.String(), `msg="console replay refused"`) {
		t.Errorf("a refused replay is not logged:\n%s", logs)
	}
	if code, body := get(t, srv.URL+"/console/letters"); code != http.StatusOK || strings.Contains(body, `id="read-only"`) || strings.Count(body, `class="letter"`) != 20 {
		t.Errorf("reading with a token configured: %d, read-only notice or not 20 letters:\n%s", code, body)
	}
	form := replayForm(testToken)
	form.Set("operator", "ada")
	if code, body := post(t, srv, form); code != http.StatusBadGateway {
		t.Errorf("the right token: %d, want 502 (replay reached, no brokers):\n%s", code, body)
	}
	// One structured line per replay: who, what, how many, and why it failed.
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="console replay"`) {
			line = l
		}
	}
	for _, want := range []string{"operator=ada", `filter="--kind \"panic\""`, "dry_run=false", "selected=0", "replayed=0", "refused=0", "err="} {
		if !strings.Contains(line, want) {
			t.Errorf("the replay's log line lacks %s: %q", want, line)
		}
	}
	if strings.Contains(logs.String(), testToken) {
		t.Error("the log shows the token")
	}

	ro, _ := serveIndex(t, caughtUp(filled(20, 4096)), "")
	if code, body := post(t, ro, replayForm(testToken)); code != http.StatusForbidden || !strings.Contains(body, "The console is read-only") {
		t.Errorf("read-only console: %d, want 403 saying read-only:\n%s", code, body)
	}
	if code, body := get(t, ro.URL+"/console/triage"); code != http.StatusOK || !strings.Contains(body, `id="read-only"`) {
		t.Errorf("a read-only console's page: %d, want 200 saying read-only:\n%s", code, body)
	}
}

// A cross-site POST is refused before the token is even looked at, whether
// the browser says so (Sec-Fetch-Site) or only its Origin does.
func TestCrossSiteReplayIsRefused(t *testing.T) {
	srv, _ := serveIndex(t, caughtUp(filled(20, 4096)), testToken)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "same-site", "Origin", "https://console.evil.example"},
		{"Origin", "https://evil.example"},
	} {
		code, body := post(t, srv, replayForm(testToken), h...)
		if code != http.StatusForbidden || !strings.Contains(body, "cross-origin request refused") {
			t.Errorf("POST with %v: %d, want 403 cross-origin:\n%s", h, code, body)
		}
	}
	if code, _ := get(t, srv.URL+"/console/"); code != http.StatusOK {
		t.Errorf("GET with reading open: %d", code)
	}
}

// Every answer carries a policy that allows no inline or foreign script.
func TestSecurityHeaders(t *testing.T) {
	srv, _ := serveIndex(t, caughtUp(filled(3, 4096)), "")
	for _, path := range []string{"/console/", "/console/letters/0/0", "/console/static/console.js", "/console/nope"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: CSP %q, nosniff %q", path, csp, resp.Header.Get("X-Content-Type-Options"))
		}
	}
}
