package gatewayhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/handlers"
)

// Simulator is what the server serves: charges that say whether they repeat
// one recorded before, and the ledger of receipts (app/gateway's Simulator).
type Simulator interface {
	ChargeOrReplay(ctx context.Context, req handlers.ChargeRequest) (r handlers.Receipt, replayed bool, err error)
	handlers.PaymentLedger
}

// Server answers the API over a Simulator. It is the httpserver's Checker
// and Liver too: live and ready while the simulator's store reads.
type Server struct {
	sim    Simulator
	faults bool
	log    *slog.Logger
}

var (
	_ httpserver.Checker = (*Server)(nil)
	_ httpserver.Liver   = (*Server)(nil)
)

// NewServer serves sim. With injectFaults (faults.inject), a request's
// Orderflow-Fault header puts its fault in the charge's context, where the
// store's fault decorator acts on it; without, the header is ignored.
func NewServer(sim Simulator, injectFaults bool, log *slog.Logger) *Server {
	return &Server{sim: sim, faults: injectFaults, log: log}
}

// Routes are the API's endpoints, for an httpserver.Server (which answers
// /healthz and /readyz beside them, within http.*'s limits).
func (s *Server) Routes() []httpserver.Route {
	return []httpserver.Route{
		{Pattern: "POST " + chargesPath, Handler: s.recovering(s.charge)},
		{Pattern: "GET " + chargePath, Handler: s.recovering(s.lookup)},
	}
}

// Live reads the store: a closed or unreadable one fails /healthz.
func (s *Server) Live(ctx context.Context) error { return s.Ready(ctx) }

// Ready reads the store: a closed or unreadable one fails /readyz.
func (s *Server) Ready(ctx context.Context) error {
	if _, _, err := s.sim.Lookup(ctx, ""); err != nil {
		return fmt.Errorf("gateway store: %w", err)
	}
	return nil
}

func (s *Server) charge(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(HeaderIdempotencyKey)
	if err := checkKey(key); err != nil {
		answerError(w, http.StatusBadRequest, err)
		return
	}
	var body chargeBody
	if err := decode(w, r, &body); err != nil {
		answerError(w, http.StatusBadRequest, err)
		return
	}
	if err := body.validate(); err != nil {
		answerError(w, http.StatusBadRequest, err)
		return
	}
	ctx := r.Context()
	if v := r.Header.Get(HeaderFault); v != "" && s.faults {
		f, err := faults.Parse(v)
		if err != nil { // the header named, not seed's
			answerError(w, http.StatusBadRequest, fmt.Errorf("%s %q names no fault (%s, %s or %s)", HeaderFault, v, faults.Flaky, faults.Fail, faults.Panic))
			return
		}
		ctx = faults.With(ctx, f)
	}
	req := handlers.ChargeRequest{Key: key, AmountCents: body.AmountCents, Currency: body.Currency, Digest: body.Digest}
	receipt, replayed, err := s.sim.ChargeOrReplay(ctx, req)
	var conflict *handlers.ConflictError
	switch {
	case errors.As(err, &conflict):
		recorded := toWire(conflict.Recorded)
		answer(w, http.StatusConflict, errorBody{Error: conflict.Error(), Recorded: &recorded})
	case err != nil:
		s.log.WarnContext(ctx, "charge failed", "key", key, "err", err)
		answerError(w, http.StatusServiceUnavailable, err)
	default:
		if replayed {
			w.Header().Set(HeaderReplayed, "true")
		}
		answer(w, http.StatusOK, toWire(receipt))
	}
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if err := checkKey(key); err != nil {
		answerError(w, http.StatusBadRequest, err)
		return
	}
	receipt, found, err := s.sim.Lookup(r.Context(), key)
	switch {
	case err != nil:
		s.log.WarnContext(r.Context(), "lookup failed", "key", key, "err", err)
		answerError(w, http.StatusServiceUnavailable, err)
	case !found:
		answerError(w, http.StatusNotFound, fmt.Errorf("no charge recorded for %q", key))
	default:
		answer(w, http.StatusOK, toWire(receipt))
	}
}

// recovering answers 500 for a panic (an injected one, with faults.inject),
// logged, rather than dropping the connection: the client retries a 5xx.
func (s *Server) recovering(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic handling a gateway request", "path", r.URL.Path, "panic", fmt.Sprint(p))
				answerError(w, http.StatusInternalServerError, fmt.Errorf("panic: %v", p))
			}
		}()
		h(w, r)
	})
}

// decode reads one JSON object of at most maxRequestBytes, with no unknown
// field and nothing after it.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fmt.Errorf("the body is over %d bytes", maxRequestBytes)
		}
		return fmt.Errorf("the body is not a charge: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the body holds more than one JSON value")
	}
	return nil
}

func answerError(w http.ResponseWriter, status int, err error) {
	answer(w, status, errorBody{Error: err.Error()})
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
