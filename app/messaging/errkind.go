package messaging

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/orderflow/orderflow/events"
)

// ErrorKind says why a message was dead-lettered.
type ErrorKind string

const (
	KindPermanent        ErrorKind = "permanent"         // no retry could help: bad payload, failed validation
	KindRetriesExhausted ErrorKind = "retries_exhausted" // a transient error outlasted the retry budget
	KindPanic            ErrorKind = "panic"             // the handler panicked on every attempt
	KindTimeout          ErrorKind = "timeout"           // the last attempt ran past handler.timeout
)

// kindOf classifies the error a message failed with after its retries.
func kindOf(err error) ErrorKind {
	var p middleware.RecoveredPanicError
	switch {
	case errors.As(err, &p):
		return KindPanic
	case events.IsPermanent(err):
		return KindPermanent
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	default:
		return KindRetriesExhausted
	}
}

// typeOf names the Go type at the root of err's chain, past the wrappers, e.g.
// "*gateway.UnavailableError".
func typeOf(err error) string {
	for {
		var p middleware.RecoveredPanicError
		if errors.As(err, &p) {
			return fmt.Sprintf("panic(%T)", p.V)
		}
		next := errors.Unwrap(err)
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}
