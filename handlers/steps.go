package handlers

import (
	"context"
	"fmt"
	"reflect"

	"github.com/orderflow/orderflow/events"
)

// Step is the shape every step takes once its input type is erased. A nil
// event means the step emits nothing for this input.
type Step func(ctx context.Context, in events.Event) (events.Event, error)

// Typed adapts a step over a concrete input type. An event of another type on
// the step's topic is a permanent error: no retry will change its type.
func Typed[In events.Event](f func(context.Context, In) (events.Event, error)) Step {
	return func(ctx context.Context, ev events.Event) (events.Event, error) {
		in, ok := ev.(In)
		if !ok {
			return nil, events.Permanent(fmt.Errorf("unexpected event %s, want %s", ev.EventType(), reflect.TypeFor[In]()))
		}
		return f(ctx, in)
	}
}
