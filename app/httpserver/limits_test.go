package httpserver_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
)

func start(t *testing.T, cfg config.HTTP, routes ...httpserver.Route) *httpserver.Server {
	t.Helper()
	s := httpserver.New(cfg, &checker{}, slog.New(slog.DiscardHandler), routes...)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

// reader drains a body as slowly as it is sent.
var drain = httpserver.Route{Pattern: "POST /orders", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		w.Header().Set("Connection", "close")
		http.Error(w, err.Error(), http.StatusRequestTimeout)
		return
	}
	w.WriteHeader(http.StatusAccepted)
})}

// A client that sends its headers, then its body a byte at a time, is cut
// off once http.read_timeout has passed since it connected.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the server stops: cleanups run last first
	cfg := limits("127.0.0.1:0")
	cfg.ReadTimeout = 300 * time.Millisecond
	s := start(t, cfg, drain)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	began := time.Now()
	if _, err := io.WriteString(c, "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan time.Duration, 1)
	go func() { // the server's answer, then EOF
		_, _ = io.Copy(io.Discard, c)
		closed <- time.Since(began)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case took := <-closed:
			if took > cfg.ReadTimeout+time.Second {
				t.Errorf("closed after %s, want within read_timeout %s (+1 s)", took, cfg.ReadTimeout)
			}
			return
		case <-tick.C:
			_, _ = c.Write([]byte("{")) // one byte, slowly; an error once closed
		case <-time.After(5 * time.Second):
			t.Fatalf("a slow body still held after 5 s (read_timeout %s)", cfg.ReadTimeout)
		}
	}
}

// Past http.max_in_flight, a request is answered 503 with Retry-After at
// once, while /healthz and /readyz still answer.
func TestRequestsInFlightAreCapped(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the server stops: cleanups run last first
	cfg := limits("127.0.0.1:0")
	cfg.MaxInFlight = 1
	entered, release := make(chan struct{}), make(chan struct{})
	block := httpserver.Route{Pattern: "POST /orders", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
		w.WriteHeader(http.StatusAccepted)
	})}
	s := start(t, cfg, block)
	base := "http://" + s.Addr()
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/orders", "application/json", strings.NewReader("{}"))
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-entered
	resp, err := http.Post(base+"/orders", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), "http.max_in_flight") {
		t.Errorf("second request in flight: %d, Retry-After %q, %s; want 503 naming http.max_in_flight", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, base+path); code != http.StatusOK {
			t.Errorf("%s while the cap is hit: %d, want 200", path, code)
		}
	}
	close(release)
	if code := <-first; code != http.StatusAccepted {
		t.Errorf("the first request: %d, want 202", code)
	}
	http.DefaultClient.CloseIdleConnections()
}

// Past http.max_connections, a new connection is answered 503 with
// Retry-After and closed, never left waiting; once one closes, a new one is
// served again.
func TestConnectionsAreCapped(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the server stops: cleanups run last first
	cfg := limits("127.0.0.1:0")
	cfg.MaxConnections, cfg.MaxInFlight = 2, 1
	s := start(t, cfg)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// Accept runs in the server's goroutine: the two are counted once a
	// request on each has been answered.
	for _, c := range held {
		if status := request(t, c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); status != "HTTP/1.1 200 OK" {
			t.Fatalf("a held connection: %q", status)
		}
	}
	extra, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	answer, err := io.ReadAll(extra) // the listener answers and closes before any request
	extra.Close()
	if err != nil || !strings.HasPrefix(string(answer), "HTTP/1.1 503 Service Unavailable\r\n") || !strings.Contains(string(answer), "Retry-After: 1") {
		t.Errorf("a connection past the cap: %q, %v; want 503 with Retry-After, then EOF", answer, err)
	}
	if s.Refused() != 1 {
		t.Errorf("refused %d connections, want 1", s.Refused())
	}
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		status := request(t, c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		c.Close()
		if status == "HTTP/1.1 200 OK" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a held connection closed, a new one still gets %q", status)
		}
		time.Sleep(20 * time.Millisecond) // the server notices the close when its read returns
	}
	held[1].Close()
}

// request writes req on c and returns the answer's status line.
func request(t *testing.T, c net.Conn, req string) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return err.Error()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err.Error()
	}
	return strings.TrimRight(line, "\r\n")
}
