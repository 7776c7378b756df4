package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/chromedp/chromedp"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

const operatorToken = "browser-test-operator-token-42"

// chromium finds a Chromium or Chrome to drive. Without one the test is
// skipped, except under CI=true, where it fails: CI installs Debian's
// chromium (.ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary on PATH, and CI=true needs the browser tests: apt-get install chromium")
	}
	t.Skip("no chromium binary on PATH: apt-get install chromium to run the browser tests")
	return ""
}

// browser is a headless Chromium tab for t, closed when t ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, which lives as long as ctx
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// clusters runs test on the embedded broker and, where KAFKA_BROKERS names
// one, on Apache Kafka (skipped without it, failing under CI=true).
func clusters(t *testing.T, test func(t *testing.T, c testkit.Cluster)) {
	t.Run("embedded", func(t *testing.T) { test(t, testkit.Embedded(t)) })
	t.Run("kafka", func(t *testing.T) { test(t, testkit.Real(t)) })
}

// startConsole runs the app on c with the operator token and returns the
// console's base URL.
func startConsole(t *testing.T, c testkit.Cluster) string {
	t.Helper()
	cfg := c.Cfg
	cfg.Console.Token = operatorToken
	var srv *httpserver.Server
	testkit.StartApp(t, cfg, fx.Populate(&srv))
	return "http://" + srv.Addr() + "/console/"
}

// row is what a test reads of a table row: its data-* attributes.
type row map[string]string

// rows reads the data-* attributes of every element sel matches.
func rows(ctx context.Context, t *testing.T, sel string) []row {
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => Object.assign({}, e.dataset))`, sel)
	return run(ctx, t, chromedp.Evaluate[[]row](js))
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	return run(ctx, t, chromedp.TextContent(chromedp.CSS(sel)))
}

// pwned reports what the hostile letter's scripts would set, if any ran.
func pwned(ctx context.Context, t *testing.T) string {
	t.Helper()
	return run(ctx, t, chromedp.Evaluate[string](`String(window.__pwned)`))
}

// The console in a browser, end to end: the injected letters and their
// causes, a cause replayed through the page (dry run, wrong token, token)
// until its orders settle, the second replay refused letter by letter, and
// a hostile letter arriving live and shown as text.
func TestConsoleInTheBrowser(t *testing.T) {
	clusters(t, func(t *testing.T, c testkit.Cluster) {
		ctx := browser(t)
		base := startConsole(t, c)
		m, tr := testkit.SeedSettled(t, c, seed.Plan{Count: 60, Poison: 3, Flaky: 3, Fail: 4, Panic: 2}, 2*time.Minute)
		want := testkit.ExpectedDeadLetters(m)

		// The list shows exactly the injected letters, each of its kind.
		testkit.WaitFor(t, 30*time.Second, "the list shows the injected letters", func() (bool, string) {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"letters"), chromedp.WaitReady(chromedp.ID("total"))); err != nil {
				return false, err.Error()
			}
			got := map[string]deadletter.Kind{}
			for _, r := range rows(ctx, t, "tr.letter") {
				got[r["order"]] = deadletter.Kind(r["kind"])
			}
			return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprintf("shows %v, want %v", got, want)
		})

		// Triage: one cause per kind the plan made, with the plan's counts.
		do(ctx, t, chromedp.Navigate(base+"triage"), chromedp.WaitReady(chromedp.ID("causes")))
		wantKinds, gotKinds := map[string]int{}, map[string]int{}
		for _, k := range want {
			wantKinds[string(k)]++
		}
		exhausted := 0
		for _, r := range rows(ctx, t, "tr.cause") {
			var n, pending int
			fmt.Sscan(r["count"], &n)
			fmt.Sscan(r["pending"], &pending)
			if strings.Contains(r["kinds"], ",") || pending != n {
				t.Errorf("cause %q: kinds %q, %d pending of %d; want one kind, all pending", r["signature"], r["kinds"], pending, n)
			}
			gotKinds[r["kinds"]] += n
			if r["kinds"] == string(deadletter.KindRetriesExhausted) {
				exhausted++
				if n != len(m.Fail) {
					t.Errorf("the retries_exhausted cause has %d letters, want %d", n, len(m.Fail))
				}
			}
		}
		if fmt.Sprint(gotKinds) != fmt.Sprint(wantKinds) || exhausted != 1 {
			t.Fatalf("triage: letters per kind %v, want %v; %d retries_exhausted causes, want 1", gotKinds, wantKinds, exhausted)
		}
		if v := os.Getenv("CONSOLE_SCREENSHOTS"); v != "" && strings.HasSuffix(t.Name(), "/embedded") {
			screenshot(ctx, t, filepath.Join(v, "console-triage.png"))
			do(ctx, t, chromedp.Navigate(base), chromedp.WaitReady(chromedp.ID("timeline")))
			screenshot(ctx, t, filepath.Join(v, "console-overview.png"))
		}

		// Replay the cause through the page: a dry run first, then a wrong
		// token (refused), then the right one.
		group := `tr.cause[data-kinds="retries_exhausted"] button.replay-cause`
		dryRun := func() {
			do(ctx, t, chromedp.Navigate(base+"triage"), chromedp.Click(chromedp.CSS(group)), chromedp.WaitVisible(chromedp.ID("tally")))
		}
		dryRun()
		if got := text(ctx, t, "#n-would"); got != fmt.Sprint(len(m.Fail)) {
			t.Fatalf("dry run: %s would be replayed, want %d: %s", got, len(m.Fail), text(ctx, t, "#tally"))
		}
		do(ctx, t, chromedp.SendKeys(chromedp.ID("token"), "not-the-token"), chromedp.Click(chromedp.ID("confirm-replay")),
			chromedp.WaitVisible(chromedp.ID("problem")))
		if h := text(ctx, t, "#problem h1"); h != "Wrong or missing operator token" {
			t.Errorf("a wrong token: %q", h)
		}
		dryRun()
		do(ctx, t, chromedp.SendKeys(chromedp.ID("token"), operatorToken), chromedp.SendKeys(chromedp.ID("operator"), "browser-test"),
			chromedp.Click(chromedp.ID("confirm-replay")), chromedp.WaitVisible(chromedp.ID("n-replayed")))
		if got := text(ctx, t, "#n-replayed"); got != fmt.Sprint(len(m.Fail)) {
			t.Fatalf("replay: %s replayed, want %d: %s", got, len(m.Fail), text(ctx, t, "#tally"))
		}
		testkit.WaitFor(t, time.Minute, "the replayed orders settle", func() (bool, string) {
			for _, id := range m.Fail {
				if o, _ := tr.Order(id); o.Paid+o.Declined != 1 || o.Notified != 1 {
					return false, fmt.Sprintf("%s: %+v", id, o)
				}
			}
			return true, ""
		})
		testkit.WaitFor(t, 30*time.Second, "triage shows the cause replayed", func() (bool, string) {
			do(ctx, t, chromedp.Navigate(base+"triage"), chromedp.WaitReady(chromedp.ID("causes")))
			rs := rows(ctx, t, `tr.cause[data-kinds="retries_exhausted"]`)
			return len(rs) == 1 && rs[0]["pending"] == "0", fmt.Sprintf("%v", rs)
		})

		// A second replay of the cause: every letter refused, saying why.
		dryRun()
		why := run(ctx, t, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tr.refused .why")).map(e => e.textContent)`))
		if text(ctx, t, "#n-would") != "0" || len(why) != len(m.Fail) || slices.ContainsFunc(why, func(s string) bool { return !strings.HasPrefix(s, "replayed already at ") }) {
			t.Errorf("the second dry run: %s; refusals %q, want %d saying replayed already", text(ctx, t, "#tally"), why, len(m.Fail))
		}
		cause := attrOf(ctx, t, base+"triage", `tr.cause[data-kinds="retries_exhausted"]`, "signature")
		code, body := postForm(t, base+"replay", url.Values{"scope": {"filter"}, "cause": {cause}, "step": {"replay"}, "token": {operatorToken}})
		if code != http.StatusOK || !strings.Contains(body, `<strong id="n-replayed">0</strong> replayed, <strong id="n-refused">`+fmt.Sprint(len(m.Fail))+`</strong> refused`) {
			t.Errorf("the second replay: %d\n%s", code, body)
		}

		// A page of another origin that posts a replay, even with the token,
		// is refused (the browser says Sec-Fetch-Site: same-site or
		// cross-site), and nothing is replayed.
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `<!doctype html><form method="post" action="%sreplay"><input type="hidden" name="scope" value="filter">`+
				`<input type="hidden" name="kind" value="panic"><input type="hidden" name="step" value="replay">`+
				`<input type="hidden" name="token" value="%s"><button id="go">win a prize</button></form>`, base, operatorToken)
		}))
		t.Cleanup(evil.Close)
		do(ctx, t, chromedp.Navigate(evil.URL), chromedp.Click(chromedp.ID("go")), chromedp.WaitReady(chromedp.CSS("body")))
		testkit.WaitFor(t, 10*time.Second, "the cross-site replay is answered", func() (bool, string) {
			body := run(ctx, t, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			return strings.Contains(body, "cross-origin request refused"), body
		})
		if p := attrOf(ctx, t, base+"triage", `tr.cause[data-kinds="panic"]`, "pending"); p != fmt.Sprint(len(m.Panic)) {
			t.Errorf("after a cross-site replay of the panics, %s pending, want %d", p, len(m.Panic))
		}

		// A hostile letter arrives while the list is open: it shows up
		// without a reload, as text, and none of its scripts runs.
		do(ctx, t, chromedp.Navigate(base+"letters"), chromedp.WaitReady(chromedp.ID("total")))
		before := len(rows(ctx, t, "tr.letter"))
		produceHostile(t, c)
		testkit.WaitFor(t, 30*time.Second, "the hostile letter appears in the open list", func() (bool, string) {
			n := len(rows(ctx, t, `tr.letter[data-uuid="hostile-1"]`))
			return n == 1, fmt.Sprintf("%d rows, %d before", len(rows(ctx, t, "tr.letter")), before)
		})
		if p := pwned(ctx, t); p != "undefined" {
			t.Errorf("the list ran the hostile letter's script: window.__pwned = %s", p)
		}
		href := run(ctx, t, chromedp.AttributeValue(chromedp.CSS(`tr.letter[data-uuid="hostile-1"] a`), "href")).Value
		do(ctx, t, chromedp.Navigate(base+strings.TrimPrefix(href, "/console/")), chromedp.WaitVisible(chromedp.ID("payload")))
		if p := pwned(ctx, t); p != "undefined" {
			t.Errorf("the letter's page ran the hostile letter's script: window.__pwned = %s", p)
		}
		if got := text(ctx, t, "#payload"); !strings.Contains(got, scriptTag) || !strings.Contains(got, jsURL) {
			t.Errorf("the payload is not shown as text: %q", got)
		}
		if got := text(ctx, t, "#reason"); !strings.Contains(got, imgTag) {
			t.Errorf("the reason is not shown as text: %q", got)
		}
		counts := run(ctx, t, chromedp.Evaluate[[]int](`[document.scripts.length, document.images.length,
			Array.from(document.querySelectorAll("a")).filter(a => a.protocol === "javascript:").length]`))
		if fmt.Sprint(counts) != "[1 0 0]" {
			t.Errorf("scripts, images, javascript: links on the letter's page: %v, want [1 0 0] (console.js only)", counts)
		}
		if v := os.Getenv("CONSOLE_SCREENSHOTS"); v != "" && strings.HasSuffix(t.Name(), "/embedded") {
			screenshotLetter(ctx, t, base, m.Fail[0], filepath.Join(v, "console-letter.png"))
		}
	})
}

const (
	scriptTag = `<script>window.__pwned=1</script>`
	imgTag    = `<img src=x onerror="window.__pwned=2">`
	jsURL     = `javascript:window.__pwned=3`
)

// produceHostile writes, straight to the dead-letter topic, a letter whose
// payload, key, reason and headers carry markup and a javascript: URL.
func produceHostile(t *testing.T, c testkit.Cluster) {
	t.Helper()
	msg := message.NewMessage("hostile-1", []byte(`{"order_id":"`+strings.ReplaceAll(scriptTag, `"`, `\"`)+`","url":"`+jsURL+`"}`))
	for k, v := range map[string]string{
		deadletter.HeaderReason: "payload is not valid JSON " + imgTag + scriptTag, deadletter.HeaderTopic: c.Cfg.Topics.Orders,
		deadletter.HeaderHandler: "payments", deadletter.HeaderErrorKind: string(deadletter.KindPermanent),
		deadletter.HeaderErrorType: "*events.MalformedError", deadletter.HeaderAttempts: "1",
		deadletter.HeaderFailedAt: time.Now().UTC().Format(time.RFC3339Nano),
		"event_type":              imgTag, "x-" + scriptTag: jsURL, "correlation_id": jsURL,
	} {
		msg.Metadata.Set(k, v)
	}
	if err := testkit.Producer(t, c).Send(c.Cfg.Topics.DeadLetter, kafkaclient.WithKey(msg, `ord-<b>7</b>`+imgTag)); err != nil {
		t.Fatal(err)
	}
}

// do runs steps in the tab, failing t on an error; each step within a
// minute.
func do(ctx context.Context, t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	run(ctx, t, chromedp.Steps(steps...))
}

// run runs a in the tab and returns its value, failing t on an error; within
// a minute.
func run[T any](ctx context.Context, t *testing.T, a chromedp.Action[T]) T {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(step, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// attrOf is the data-attr of the first element sel matches on the page at u.
func attrOf(ctx context.Context, t *testing.T, u, sel, attr string) string {
	t.Helper()
	do(ctx, t, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("main")))
	rs := rows(ctx, t, sel)
	if len(rs) == 0 {
		t.Fatalf("%s: nothing matches %s", u, sel)
	}
	return rs[0][attr]
}

// postForm posts form as the console's own page would (no Origin of
// another site).
func postForm(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func screenshot(ctx context.Context, t *testing.T, path string) {
	t.Helper()
	png := run(ctx, t, chromedp.FullScreenshot(100))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

func screenshotLetter(ctx context.Context, t *testing.T, base, order, path string) {
	t.Helper()
	do(ctx, t, chromedp.Navigate(base+"letters?order="+url.QueryEscape(order)), chromedp.WaitReady(chromedp.ID("total")))
	href := run(ctx, t, chromedp.AttributeValue(chromedp.CSS(`tr.letter a`), "href")).Value
	do(ctx, t, chromedp.Navigate(base+strings.TrimPrefix(href, "/console/")), chromedp.WaitVisible(chromedp.ID("payload")))
	screenshot(ctx, t, path)
}
