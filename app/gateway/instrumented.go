package gateway

import (
	"context"
	"time"

	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/handlers"
)

// Instrumented times every call the steps make to the gateway, by operation
// and outcome, as a decorator: the steps and the simulator know nothing of it.
type Instrumented struct {
	Gateway interface {
		handlers.PaymentGateway
		handlers.PaymentLedger
	}
	Metrics *metrics.Metrics
}

var (
	_ handlers.PaymentGateway = Instrumented{}
	_ handlers.PaymentLedger  = Instrumented{}
)

// Charge is the gateway's Charge, timed. A panic is timed as an error.
func (i Instrumented) Charge(ctx context.Context, req handlers.ChargeRequest) (r handlers.Receipt, err error) {
	start, outcome := time.Now(), "error"
	defer func() { i.Metrics.GatewayCall("charge", outcome, time.Since(start)) }()
	r, err = i.Gateway.Charge(ctx, req)
	switch {
	case err != nil:
	case r.Declined:
		outcome = "declined"
	default:
		outcome = "ok"
	}
	return r, err
}

// Lookup is the gateway's Lookup, timed.
func (i Instrumented) Lookup(ctx context.Context, orderID string) (handlers.Receipt, bool, error) {
	start := time.Now()
	r, found, err := i.Gateway.Lookup(ctx, orderID)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	i.Metrics.GatewayCall("lookup", outcome, time.Since(start))
	return r, found, err
}
