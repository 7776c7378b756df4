package httpserver

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// busyAnswer is what a connection past http.max_connections gets before it is
// closed: written by the listener itself, so it never waits for a handler.
const busyAnswer = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Retry-After: 1\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 51\r\n\r\n" +
	"too many connections (http.max_connections); retry\n"

// capped is a listener that keeps at most max connections open. One more is
// answered busyAnswer and closed at once, so a flood of connections holds
// neither file descriptors nor the accept backlog (golang.org/x/net's
// netutil.LimitListener waits for a free slot instead, leaving the client
// hanging).
type capped struct {
	net.Listener
	max     int64
	open    atomic.Int64
	refused atomic.Int64
}

func (l *capped) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &counted{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		l.refused.Add(1)
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Write([]byte(busyAnswer))
		_ = c.Close()
	}
}

// counted gives its slot back when it is closed, once.
type counted struct {
	net.Conn
	l    *capped
	once sync.Once
}

func (c *counted) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// inFlight answers 503 with Retry-After at once when max requests are being
// handled already; the health endpoints are not routed through it, so they
// answer while it is full.
func inFlight(max int, h http.Handler) http.Handler {
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Too many requests in flight","status":503,` +
				`"detail":"the service is handling http.max_in_flight requests already; retry"}` + "\n"))
		}
	})
}
