package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/handlers"
)

// answering is a gateway service's client whose every charge gets err.
type answering struct {
	gateway.RemoteGateway
	err error
}

func (a answering) Charge(context.Context, handlers.ChargeRequest) (handlers.Receipt, error) {
	return handlers.Receipt{}, a.err
}

// With faults.inject, a charge that asked the service to panic and got its
// 500 panics, as the in-process simulator's does; any other answer, or a 500
// to any other charge, passes through.
func TestRemoteFaultsPanicOnAnInjectedPanic(t *testing.T) {
	status500 := &gatewayhttp.StatusError{Status: 500, Message: "panic: injected"}
	req := handlers.ChargeRequest{Key: "o-1", AmountCents: 300, Currency: "EUR"}
	for _, tt := range []struct {
		fault faults.Fault
		err   error
	}{{faults.Fail, status500}, {faults.None, status500}, {faults.Panic, &gatewayhttp.StatusError{Status: 503}}} {
		g := gateway.WithRemoteFaults(answering{err: tt.err})
		if _, err := g.Charge(faults.With(context.Background(), tt.fault), req); err != tt.err {
			t.Errorf("fault %q, answer %v: got %v, want the answer passed through", tt.fault, tt.err, err)
		}
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "the gateway panicked charging order o-1") {
			t.Errorf("a 500 to a charge asking for a panic: recovered %v, want the decorator's panic", p)
		}
	}()
	_, err := gateway.WithRemoteFaults(answering{err: status500}).Charge(faults.With(context.Background(), faults.Panic), req)
	t.Errorf("a 500 to a charge asking for a panic returned %v", err)
}
