// Package subscriber is orderflow's Watermill subscriber on franz-go: it
// handles many messages of a partition at once, one key's at a time, and
// commits an offset only once every earlier one is acknowledged (Subscriber),
// or in the transaction that holds the message's outputs (Transact).
package subscriber

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Member is a subscriber in a consumer group: what the router consumes from
// and readiness watches.
type Member interface {
	message.Subscriber
	// Group is the consumer group's name.
	Group() string
	// Joined reports whether the subscriber is a member of its group now.
	Joined() bool
}

// Config configures a Subscriber or a Transact. New and NewTransact fill in
// the defaults for what is left zero, then validate it.
type Config struct {
	// Group is the consumer group; every handler has its own.
	Group string
	// MaxInFlight is how many messages of one partition are handed out at
	// once; one key's messages still go one at a time. Default 1.
	MaxInFlight int
	// DrainTimeout bounds how long the messages dealt already are given to be
	// acknowledged when the subscriber closes or its partitions move. Default 30 s.
	DrainTimeout time.Duration
	// Redelivery paces redeliveries after a nack. Default: 100 ms, doubling to 30 s.
	Redelivery Redelivery
	// Logger gets a line per nack and per consume error. Default: discarded.
	Logger *slog.Logger
	// Settled is called once per delivery, with whether the router acked or
	// nacked it (a nacked message is delivered again). It is called on the
	// delivering goroutine and must not block. Default: nothing.
	Settled func(acked bool)
	// Refused is called once when the brokers refuse the group or its topic
	// for want of an ACL: a setting to fix, not a fault to retry. The
	// subscriber stops consuming. Default: nothing more.
	Refused func(error)
	// Fatal is called once when the subscriber cannot go on (exactly_once: a
	// transaction that can neither commit nor abort, the producer fenced by
	// another process with its transactional ID). The subscriber stops
	// consuming. Default: nothing more.
	Fatal func(error)
	// Ended is called after each transaction (exactly_once) with whether it
	// committed and how long it took from its first record. Default: nothing.
	Ended func(committed bool, took time.Duration)
}

func (c *Config) setDefaults() {
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 1
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = 30 * time.Second
	}
	if c.Redelivery == (Redelivery{}) {
		c.Redelivery = Redelivery{First: 100 * time.Millisecond, Most: 30 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Settled == nil {
		c.Settled = func(bool) {}
	}
	if c.Ended == nil {
		c.Ended = func(bool, time.Duration) {}
	}
}

// lanes are the lanes every partition this config's subscriber claims runs.
func (c Config) lanes(out chan<- *message.Message) *lanes {
	return &lanes{maxInFlight: c.MaxInFlight, drain: c.DrainTimeout, out: out,
		redeliver: c.Redelivery, settled: c.Settled, log: c.Logger.With("group", c.Group)}
}

// validate reports every problem with c at once.
func (c Config) validate() error {
	var errs []error
	if c.Group == "" {
		errs = append(errs, errors.New("subscriber: no consumer group"))
	}
	if c.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("subscriber: MaxInFlight %d must be at least 1", c.MaxInFlight))
	}
	if c.DrainTimeout < 0 {
		errs = append(errs, fmt.Errorf("subscriber: DrainTimeout %s must not be negative", c.DrainTimeout))
	}
	if c.Redelivery.First <= 0 || c.Redelivery.Most < c.Redelivery.First {
		errs = append(errs, fmt.Errorf("subscriber: Redelivery %+v must start positive and cap at or above its start", c.Redelivery))
	}
	return errors.Join(errs...)
}
