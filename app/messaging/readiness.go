package messaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
)

// Readiness tells whether this process does its work: the router runs, every
// handler's consumer group has a session, and a broker answers a request.
type Readiness struct {
	router        *message.Router
	subs          []message.Subscriber
	brokersAnswer func(context.Context) error
	mode          string // how the steps deliver: Describe
}

// probeTimeout bounds each broker's answer to a readiness probe.
const probeTimeout = time.Second

// NewReadiness watches router, its subscribers and the brokers.
func NewReadiness(router *message.Router, subs []message.Subscriber, c kafkaclient.Conn, d config.Delivery) *Readiness {
	return &Readiness{router: router, subs: subs, brokersAnswer: kafkaclient.Prober(c, probeTimeout), mode: Mode(c.Kafka, d)}
}

// Describe says how the steps deliver (/readyz prints it).
func (r *Readiness) Describe() string { return r.mode }

// Mode is the steps' delivery guarantee and transport, as one line: the
// start-up log and /readyz say it.
func Mode(k config.Kafka, d config.Delivery) string {
	mode := fmt.Sprintf("delivery: %s, kafka.client: %s", d.Guarantee, k.Client)
	if d.Guarantee == config.ExactlyOnce {
		mode += fmt.Sprintf(", %d transactions per step, transactional IDs %s-<n>", d.ConcurrentTransactions, TransactionalID(k.ClientID, d.Instance, "<step>"))
	}
	return mode
}

// Ready returns nil when ready, else an error naming everything that is not.
func (r *Readiness) Ready(ctx context.Context) error {
	var errs []error
	select {
	case <-r.router.Running():
		if r.router.IsClosed() {
			errs = append(errs, errors.New("router is stopping"))
		}
	default:
		errs = append(errs, errors.New("router is not running yet"))
	}
	// The franz transport's subscribers say whether they are in their
	// groups; watermill-kafka's do not, and count as joined while the router runs.
	for _, s := range r.subs {
		if m, ok := s.(subscriber.Member); ok && !m.Joined() {
			errs = append(errs, fmt.Errorf("consumer group %s has not joined", m.Group()))
		}
	}
	if err := r.brokersAnswer(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
