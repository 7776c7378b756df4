package messaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
)

// Readiness tells whether this process does its work: the router runs, every
// handler's consumer group has a session, and a broker answers a request.
type Readiness struct {
	router        *message.Router
	subs          []subscriber.Member
	brokersAnswer func(context.Context) error
}

// probeTimeout bounds each broker's answer to a readiness probe.
const probeTimeout = time.Second

// NewReadiness watches router, its subscribers and the brokers.
func NewReadiness(router *message.Router, subs []subscriber.Member, c kafkaclient.Conn) *Readiness {
	return &Readiness{router: router, subs: subs, brokersAnswer: kafkaclient.Prober(c, probeTimeout)}
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
	for _, s := range r.subs {
		if !s.Joined() {
			errs = append(errs, fmt.Errorf("consumer group %s has not joined", s.Group()))
		}
	}
	if err := r.brokersAnswer(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
