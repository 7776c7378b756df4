// Package httpserver serves orderflow's HTTP endpoints on http.addr:
// /healthz (the process lives), /readyz (it does its work), and the routes the
// app adds (/metrics, POST /orders). The Docker healthcheck reaches them
// through `orderflow health`.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Checker says whether the process is ready, and if not, why.
type Checker interface {
	Ready(ctx context.Context) error
}

// readyTimeout bounds one readiness check: well inside a probe's own timeout.
const readyTimeout = 3 * time.Second

// Server is the HTTP server. A Server with no address serves nothing.
type Server struct {
	addr  string
	ready Checker
	log   *slog.Logger
	srv   *http.Server
	ln    net.Listener
	done  chan struct{}
	paths []string
}

// Route is one more endpoint: a ServeMux pattern ("GET /metrics") and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// New returns a server for addr (host:port, port 0 picks one; "" serves
// nothing) answering /healthz, /readyz and routes.
func New(addr string, ready Checker, log *slog.Logger, routes ...Route) *Server {
	s := &Server{addr: addr, ready: ready, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	s.paths = []string{"/healthz", "/readyz"}
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
		s.paths = append(s.paths, r.Pattern)
	}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.ready.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready:\n%v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Start listens and serves in the background until Stop.
func (s *Server) Start() error {
	if s.addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	s.ln, s.done = ln, make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	s.log.Info("http endpoints", "addr", ln.Addr().String(), "paths", s.paths)
	return nil
}

// Addr is the address the server listens on, once started; "" if none.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
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
