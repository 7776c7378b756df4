package messaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
	"github.com/orderflow/orderflow/app/schemas"
)

// Readiness tells whether this process does its work: the router runs, every
// handler's consumer group has a session, a broker answers a request and,
// with a schema registry, every subject this build writes has been looked
// up. With a registry it also says whether the process is degraded: the
// registry does not answer, and the pipeline runs on the schemas it cached.
type Readiness struct {
	router        *message.Router
	subs          []message.Subscriber
	brokersAnswer func(context.Context) error
	catalog       *schemas.Catalog // nil: no registry
	mode          string           // how the steps deliver: Describe
}

// probeTimeout bounds each broker's answer to a readiness probe, and the
// registry's.
const probeTimeout = time.Second

// ReadinessParams is what NewReadiness watches.
type ReadinessParams struct {
	fx.In

	Router      *message.Router
	Subscribers []message.Subscriber
	Conn        kafkaclient.Conn
	Delivery    config.Delivery
	Catalog     *schemas.Catalog `optional:"true"` // nil: no registry
}

// NewReadiness watches the router, its subscribers, the brokers and the
// schema registry, if any.
func NewReadiness(p ReadinessParams) *Readiness {
	return &Readiness{router: p.Router, subs: p.Subscribers, brokersAnswer: kafkaclient.Prober(p.Conn, probeTimeout),
		catalog: p.Catalog, mode: Mode(p.Conn.Kafka, p.Delivery)}
}

// Degraded returns nil when nothing the process leans on is missing, else
// why it runs degraded: the schema registry does not answer. Once every
// subject this build writes is found (Ready), a registry outage does not make
// the process unready (the cached schemas serve; only an ID never seen
// waits), so /readyz stays 200 and says so.
func (r *Readiness) Degraded(ctx context.Context) error {
	if r.catalog == nil {
		return nil
	}
	return r.catalog.Reachable(ctx, probeTimeout)
}

// Describe says how the steps deliver (/readyz prints it).
func (r *Readiness) Describe() string { return r.mode }

// Mode is the steps' delivery guarantee and transport, as one line: the
// start-up log and /readyz say it.
func Mode(k config.Kafka, d config.Delivery) string {
	mode := fmt.Sprintf("delivery: %s, kafka.client: %s", d.Guarantee, k.Client)
	if d.Guarantee == config.ExactlyOnce {
		mode += fmt.Sprintf(", %d transactions per step, transactional IDs %s-<n>", d.ConcurrentTransactions, TransactionalID(k.ClientID, d.Instance, k.Group("<step>")))
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
	// A subject not looked up yet stops the steps writing it (their outputs
	// could not be stamped): unready, unlike a registry outage once every
	// subject is cached (Degraded).
	if r.catalog != nil {
		if err := r.catalog.Resolved(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
