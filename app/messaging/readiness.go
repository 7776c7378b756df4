package messaging

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
)

// Readiness tells whether this process does its work: the router runs, every
// handler's consumer group has a session, and a broker answers a request.
type Readiness struct {
	router  *message.Router
	subs    []*Subscriber
	brokers Brokers
	sarama  *sarama.Config
}

// probeTimeout bounds each broker's answer to a readiness probe.
const probeTimeout = time.Second

// NewReadiness watches router, its subscribers and brokers.
func NewReadiness(router *message.Router, subs []*Subscriber, brokers Brokers, cfg config.Config) *Readiness {
	sc := SaramaConfig(cfg.Kafka)
	sc.Net.DialTimeout, sc.Net.ReadTimeout, sc.Net.WriteTimeout = probeTimeout, probeTimeout, probeTimeout
	return &Readiness{router: router, subs: subs, brokers: brokers, sarama: sc}
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

// brokersAnswer asks every broker for its API versions at once and succeeds
// if one answers; each attempt ends within 2×probeTimeout.
func (r *Readiness) brokersAnswer(ctx context.Context) error {
	errs := make([]error, len(r.brokers))
	var wg sync.WaitGroup
	for i, addr := range r.brokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = apiVersions(ctx, addr, r.sarama)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("no broker answered: %w", errors.Join(errs...))
}

func apiVersions(ctx context.Context, addr string, cfg *sarama.Config) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	b := sarama.NewBroker(addr)
	if err := b.Open(cfg); err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	defer b.Close()
	if _, err := b.ApiVersions(&sarama.ApiVersionsRequest{}); err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	return nil
}
