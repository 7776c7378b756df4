package handling

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/events"
)

// kindOf classifies the error a message failed with after its retries.
func kindOf(err error) deadletter.Kind {
	var p middleware.RecoveredPanicError
	switch {
	case errors.As(err, &p):
		return deadletter.KindPanic
	case events.IsPermanent(err):
		return deadletter.KindPermanent
	case errors.Is(err, context.DeadlineExceeded):
		return deadletter.KindTimeout
	default:
		return deadletter.KindRetriesExhausted
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
