// Package faults is test machinery: the failures seed asks the payment
// gateway simulator to inject, so that the pipeline's error paths can be
// watched end to end. A fault is never part of an event: seed names it in a
// header of its own (Header), the messaging layer honours that header only
// when faults.inject is on and carries the fault in the message's context, and
// the gateway's fault decorator (app/gateway) acts on it. A producer cannot
// make a service with injection off fail on purpose.
package faults

import (
	"context"
	"fmt"
)

// Header is the Kafka header seed puts on an order it wants to fail.
const Header = "seed_fault"

// Fault names an injected failure.
type Fault string

// The faults seed injects. Poison orders carry none: they are invalid on the wire.
const (
	None  Fault = ""
	Flaky Fault = "flaky" // the gateway fails transiently, fewer times than the retry budget
	Fail  Fault = "fail"  // the gateway keeps failing past the retry budget
	Panic Fault = "panic" // the gateway client panics
)

// Parse reads a header value.
func Parse(s string) (Fault, error) {
	switch f := Fault(s); f {
	case Flaky, Fail, Panic:
		return f, nil
	}
	return None, fmt.Errorf("%s header %q is not one of %s, %s, %s", Header, s, Flaky, Fail, Panic)
}

type ctxKey struct{}

// With returns ctx carrying f.
func With(ctx context.Context, f Fault) context.Context {
	return context.WithValue(ctx, ctxKey{}, f)
}

// From returns the fault ctx carries, or None.
func From(ctx context.Context) Fault {
	f, _ := ctx.Value(ctxKey{}).(Fault)
	return f
}
