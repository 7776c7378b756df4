package httpserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
)

type checker struct {
	mu  sync.Mutex
	err error
}

func (c *checker) Ready(context.Context) error { c.mu.Lock(); defer c.mu.Unlock(); return c.err }

func (c *checker) set(err error) { c.mu.Lock(); defer c.mu.Unlock(); c.err = err }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// limits is the default http config on addr.
func limits(addr string) config.HTTP {
	cfg := config.Default().HTTP
	cfg.Addr = addr
	return cfg
}

func TestEndpoints(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := &checker{err: errors.New("consumer group payments has not joined")}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "orderflow_up 1") })
	s := httpserver.New(limits("127.0.0.1:0"), c, slog.New(slog.DiscardHandler), httpserver.Route{Pattern: "GET /metrics", Handler: metrics})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr()

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "payments has not joined") {
		t.Errorf("/readyz not ready = %d %q, want 503 naming the group", code, body)
	}
	c.set(nil)
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.HasPrefix(body, "ready\n") {
		t.Errorf("/readyz ready = %d %q, want 200 ready", code, body)
	}
	if code, body := get(t, base+"/metrics"); code != 200 || body != "orderflow_up 1\n" {
		t.Errorf("/metrics = %d %q, want the metrics handler's answer", code, body)
	}
	if code, _ := get(t, base+"/nope"); code != 404 {
		t.Errorf("/nope = %d, want 404", code)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after Stop")
	}
}

func TestNoAddressServesNothing(t *testing.T) {
	s := httpserver.New(limits(""), &checker{}, slog.New(slog.DiscardHandler))
	if err := s.Start(); err != nil || s.Addr() != "" {
		t.Fatalf("Start = %v, Addr %q; want nil and none", err, s.Addr())
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// degrading is a checker that can be ready yet degraded.
type degrading struct {
	checker
	why error
}

func (d *degrading) Degraded(context.Context) error { d.mu.Lock(); defer d.mu.Unlock(); return d.why }

// Ready but degraded (the schema registry does not answer) is 200, with why;
// not ready wins over degraded.
func TestReadyButDegraded(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := &degrading{why: errors.New("schema registry unreachable: connection refused")}
	s := httpserver.New(limits("127.0.0.1:0"), c, slog.New(slog.DiscardHandler))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	url := "http://" + s.Addr() + "/readyz"
	if code, body := get(t, url); code != 200 || body != "ready, degraded:\nschema registry unreachable: connection refused\n" {
		t.Errorf("/readyz degraded = %d %q, want 200 ready, degraded, and why", code, body)
	}
	c.set(errors.New("router is not running yet"))
	if code, body := get(t, url); code != 503 || !strings.HasPrefix(body, "not ready:\n") {
		t.Errorf("/readyz not ready and degraded = %d %q, want 503 not ready", code, body)
	}
	c.mu.Lock()
	c.err, c.why = nil, nil
	c.mu.Unlock()
	if code, body := get(t, url); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q, want 200 ready", code, body)
	}
}
