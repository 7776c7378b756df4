// Package httpserver serves orderflow's HTTP endpoints on http.addr:
// /healthz (the process lives), /readyz (it does its work), and the routes the
// app adds (/metrics, POST /orders). The Docker healthcheck reaches them
// through `orderflow health`. What a client can hold is bounded (http.*): the
// time to send a request and to be answered, idle keep-alives, header bytes,
// requests in flight (past it: 503, while /healthz and /readyz still answer)
// and open connections (past it: 503 from the listener, and closed).
package httpserver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app/config"
)

// Checker says whether the process is ready, and if not, why.
type Checker interface {
	Ready(ctx context.Context) error
}

// Describer is a Checker that also says how the process does its work:
// /readyz prints it under its verdict.
type Describer interface {
	Describe() string
}

// Degrader is a Checker that can be ready yet degraded (the schema registry
// does not answer, cached schemas serve): /readyz answers 200 and says why.
type Degrader interface {
	Degraded(ctx context.Context) error
}

// Liver is a Checker that also says whether the process can serve at all:
// /healthz answers 503 with its error (the gateway command: its store is
// open). Without it, /healthz answers 200 while the server serves.
type Liver interface {
	Live(ctx context.Context) error
}

// readyTimeout bounds one readiness check: well inside a probe's own timeout.
const readyTimeout = 3 * time.Second

// Server is the HTTP server. A Server with no address serves nothing.
type Server struct {
	cfg   config.HTTP
	ready Checker
	log   *slog.Logger
	srv   *http.Server
	ln    *capped
	done  chan struct{}
	paths []string
}

// Route is one more endpoint: a ServeMux pattern ("GET /metrics") and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// New returns a server for cfg.Addr (host:port, port 0 picks one; "" serves
// nothing) answering /healthz, /readyz and routes, within cfg's limits.
func New(cfg config.HTTP, ready Checker, log *slog.Logger, routes ...Route) *Server {
	s := &Server{cfg: cfg, ready: ready, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	s.paths = []string{"/healthz", "/readyz"}
	limited := http.NewServeMux()
	for _, r := range routes {
		limited.Handle(r.Pattern, r.Handler)
		s.paths = append(s.paths, r.Pattern)
	}
	mux.Handle("/", inFlight(cfg.MaxInFlight, limited))
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: min(5*time.Second, cfg.ReadTimeout),
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug), // a client's broken request is not ours to warn about
	}
	return s
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if l, ok := s.ready.(Liver); ok {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := l.Live(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not live:\n%v\n", err)
			return
		}
	}
	fmt.Fprintln(w, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.ready.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready:\n%v\n", err)
	} else if why := degraded(ctx, s.ready); why != nil {
		fmt.Fprintf(w, "ready, degraded:\n%v\n", why)
	} else {
		fmt.Fprintln(w, "ready")
	}
	if d, ok := s.ready.(Describer); ok {
		fmt.Fprintln(w, d.Describe())
	}
}

// degraded is why c runs degraded, or nil.
func degraded(ctx context.Context, c Checker) error {
	if d, ok := c.(Degrader); ok {
		return d.Degraded(ctx)
	}
	return nil
}

// Start listens and serves in the background until Stop.
func (s *Server) Start() error {
	if s.cfg.Addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	s.ln, s.done = &capped{Listener: ln, max: int64(s.cfg.MaxConnections)}, make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	urls := make([]string, len(s.paths))
	for i, p := range s.paths {
		_, path, _ := strings.Cut(p, " ") // "GET /metrics"
		urls[i] = s.URL() + cmp.Or(path, p)
	}
	s.log.Info("http endpoints", "url", s.URL(), "urls", urls)
	return nil
}

// Addr is the address the server listens on, once started; "" if none.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is where a client on this host reaches the server, once started
// (http://127.0.0.1:8081 for a server on any address, :8081); "" if none.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	addr, ok := s.ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + s.ln.Addr().String()
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Refused is how many connections were refused past http.max_connections.
func (s *Server) Refused() int64 {
	if s.ln == nil {
		return 0
	}
	return s.ln.refused.Load()
}

// Stop ends the server, letting requests under way finish within ctx.
func (s *Server) Stop(ctx context.Context) error {
	if s.ln == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}
