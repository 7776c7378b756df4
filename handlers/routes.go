package handlers

import (
	"context"
	"fmt"
	"reflect"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// Route binds one step to its input topic, its output topic and its consumer
// group (named after the step, so every step sees every message of its topic).
type Route struct {
	Name string
	From string
	To   string
	// Assume is the event type of a message that carries no event_type header,
	// such as a plain JSON order from a client that is not orderflow. Empty
	// means such a message is rejected.
	Assume string
	Handle Step
}

// Step is the shape every route's handler takes once its input type is erased.
// A nil event means the step emits nothing for this input.
type Step func(ctx context.Context, in events.Event) (events.Event, error)

// Steps are the pipeline's handlers.
type Steps struct {
	Payments      Payments
	Shipping      Shipping
	Notifications Notifications
}

// Routes is the pipeline: orders → payments → shipments + notifications.
func Routes(t config.Topics, s Steps) []Route {
	return []Route{
		{Name: "payments", From: t.Orders, To: t.Payments, Assume: events.TypeOrderPlaced, Handle: typed(s.Payments.Handle)},
		{Name: "shipping", From: t.Payments, To: t.Shipments, Handle: typed(s.Shipping.Handle)},
		{Name: "notifications", From: t.Payments, To: t.Notifications, Handle: typed(s.Notifications.Handle)},
	}
}

// typed adapts a step over a concrete input type. An event of another type on
// the step's topic is a permanent error: no retry will change its type.
func typed[In events.Event](f func(context.Context, In) (events.Event, error)) Step {
	return func(ctx context.Context, ev events.Event) (events.Event, error) {
		in, ok := ev.(In)
		if !ok {
			return nil, events.Permanent(fmt.Errorf("unexpected event %s, want %s", ev.EventType(), reflect.TypeFor[In]()))
		}
		return f(ctx, in)
	}
}
