package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/handlers"
)

// WithFaults decorates a store with the faults seed asks for, read from the
// context of each charge (faults.From; the messaging layer puts them there
// only with faults.inject on). Attempts are the store's, counted per key and
// kept in its file, so a flaky order fails FlakyFailures times and a fail
// order FailFailures times before the gateway decides, across restarts too; a
// panic order panics on every attempt. Neither the simulator nor the port
// knows of faults.
func WithFaults(s Store, cfg config.Faults) Store { return faulty{Store: s, cfg: cfg} }

type faulty struct {
	Store
	cfg config.Faults
}

func (f faulty) Charge(ctx context.Context, key string, decide func(int) (handlers.Receipt, error)) (handlers.Receipt, error) {
	fault := faults.From(ctx)
	if fault == faults.None {
		return f.Store.Charge(ctx, key, decide)
	}
	return f.Store.Charge(ctx, key, func(attempt int) (handlers.Receipt, error) {
		switch fault {
		case faults.Flaky:
			if attempt <= f.cfg.FlakyFailures {
				return handlers.Receipt{}, &UnavailableError{Key: key, Attempt: attempt}
			}
		case faults.Fail:
			if attempt <= f.cfg.FailFailures {
				return handlers.Receipt{}, &UnavailableError{Key: key, Attempt: attempt}
			}
		case faults.Panic:
			panic(fmt.Sprintf("gateway simulator: injected panic charging order %s", key))
		}
		return decide(attempt)
	})
}

// RemoteGateway is the gateway service's client as the steps use it.
type RemoteGateway interface {
	handlers.PaymentGateway
	handlers.PaymentLedger
}

// WithRemoteFaults decorates the gateway service's client (faults.inject
// with gateway.url): a charge that asked the service to panic (the client
// sends the fault in its request) and was answered 500 panics here, as the
// in-process simulator's does, so a panicking order takes the same path —
// the recoverer, retries, a dead letter with a stack — wherever the gateway runs.
func WithRemoteFaults(g RemoteGateway) RemoteGateway { return remoteFaulty{g} }

type remoteFaulty struct{ RemoteGateway }

func (g remoteFaulty) Charge(ctx context.Context, req handlers.ChargeRequest) (handlers.Receipt, error) {
	r, err := g.RemoteGateway.Charge(ctx, req)
	var status *gatewayhttp.StatusError
	if faults.From(ctx) == faults.Panic && errors.As(err, &status) && status.Status == http.StatusInternalServerError {
		panic(fmt.Sprintf("gateway client: the gateway panicked charging order %s, as asked (%s: %s): %s", req.Key, gatewayhttp.HeaderFault, faults.Panic, status.Message))
	}
	return r, err
}
