package messaging

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/handlers"
)

// NewRouter builds the router: one Watermill handler per route, each consuming
// in a group named after it, all sharing pub and the middleware chain. The
// subscribers come back too, for readiness.
func NewRouter(cfg config.Config, brokers Brokers, routes []handlers.Route, pub message.Publisher, log *slog.Logger) (*message.Router, []*Subscriber, error) {
	wlog := WatermillLogger(log)
	// The router waits a little longer than the subscribers drain (both bounded
	// by handler.close_timeout), so a drain that takes all its time still ends
	// cleanly rather than as the router's close timeout.
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: cfg.Handler.CloseTimeout + routerCloseMargin}, wlog)
	if err != nil {
		return nil, nil, fmt.Errorf("router: %w", err)
	}
	// Watermill closes a handler's publisher when the handler stops; the
	// publisher is shared and outlives the router, so it is closed by its owner.
	shared := keepOpen{pub}
	dl := deadLetter{pub: shared, topic: cfg.Topics.DeadLetter, maxBytes: SaramaConfig(cfg.Kafka).Producer.MaxMessageBytes, log: log, now: time.Now}
	router.AddMiddleware(chain(cfg, dl, log)...)

	subs := make([]*Subscriber, 0, len(routes))
	for _, r := range routes {
		sub := NewKeyedSubscriber(brokers, cfg.Kafka, r.Name, cfg.Handler.MaxInFlight, cfg.Handler.CloseTimeout, log)
		h := router.AddHandler(r.Name, r.From, sub, r.To, shared, handlerFunc(r, cfg.Handler.MaxMessageBytes))
		h.AddMiddleware(chaos(cfg.Faults.ErrorRate.ForStep(r.Name))...)
		subs = append(subs, sub)
	}
	return router, subs, nil
}

// routerCloseMargin is what the router adds to handler.close_timeout.
const routerCloseMargin = 5 * time.Second

// keepOpen is a publisher whose Close does nothing.
type keepOpen struct{ message.Publisher }

func (keepOpen) Close() error { return nil }
