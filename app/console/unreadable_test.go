package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/console"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// A dead-letter topic that does not exist gets an error page that says so,
// within console.wait, never a blank page or a hang; the follower keeps
// trying, and ends when its context does.
func TestMissingTopicSaysSo(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })
	c := testkit.Embedded(t)
	x := console.NewIndex("no-such-dlq", 4096)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		x.Follow(ctx, c.Conn(t), slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() { cancel(); <-done })

	cfg := c.Cfg
	cfg.Console.Wait = time.Second
	con, err := console.New(console.Config{Index: x, Conn: c.Conn(t), Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/console/", "/console/letters", "/console/triage"} {
		began := time.Now()
		code, body := fetch(t, srv.URL+path)
		took := time.Since(began)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "does not exist") || !strings.Contains(body, `&#34;no-such-dlq&#34;`) {
			t.Errorf("GET %s: %d, want 503 saying topic no-such-dlq does not exist:\n%s", path, code, body)
		}
		if took > cfg.Console.Wait+2*time.Second {
			t.Errorf("GET %s took %s, want within console.wait %s (+2 s)", path, took, cfg.Console.Wait)
		}
	}
}

func fetch(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Brokers that do not answer get an error page too, within console.wait.
func TestUnreachableBrokersSaySo(t *testing.T) {
	cfg := config.Default()
	cfg.Console.Wait = time.Second
	conn, err := kafkaclient.Connect([]string{"127.0.0.1:1"}, cfg.Kafka)
	if err != nil {
		t.Fatal(err)
	}
	x := console.NewIndex("dlq", 4096)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		x.Follow(ctx, conn, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() { cancel(); <-done })
	con, err := console.New(console.Config{Index: x, Conn: conn, Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con)
	t.Cleanup(srv.Close)
	began := time.Now()
	code, body := fetch(t, srv.URL+"/console/triage")
	if took := time.Since(began); took > cfg.Console.Wait+2*time.Second {
		t.Errorf("took %s, want within console.wait %s (+2 s)", took, cfg.Console.Wait)
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "127.0.0.1:1") ||
		!(strings.Contains(body, "cannot be read") || strings.Contains(body, "has not answered")) {
		t.Errorf("%d, want 503 naming the brokers and what is wrong:\n%s", code, body)
	}
}
