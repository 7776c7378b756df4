package messaging

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// RunParams is what Run needs.
type RunParams struct {
	fx.In

	Lifecycle  fx.Lifecycle
	Shutdowner fx.Shutdowner
	Router     *message.Router
	Conn       kafkaclient.Conn
	Topics     config.Topics
	Delivery   config.Delivery
	Logger     *slog.Logger
}

// Run is the app's one fx.Invoke. On start it creates missing topics and runs
// the router until it is consuming; on stop it closes the router, which stops
// taking messages and waits (up to handler.close_timeout) for those in flight.
// If the router stops on its own, the process exits non-zero.
func Run(p RunParams) {
	lc, sd, router, log := p.Lifecycle, p.Shutdowner, p.Router, p.Logger
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			created, err := kafkaclient.EnsureTopics(p.Conn, p.Topics)
			if err != nil {
				return err
			}
			if len(created) > 0 {
				log.Info("created topics", "topics", created)
			}
			go func() {
				defer close(done)
				// Not the OnStart ctx: it ends when start-up does.
				if err := router.Run(context.Background()); err != nil {
					log.Error("router stopped", "err", err)
				}
				if !router.IsClosed() {
					_ = sd.Shutdown(fx.ExitCode(1))
				}
			}()
			select {
			case <-router.Running():
				log.Info("router running", "brokers", []string(p.Conn.Brokers), "mode", Mode(p.Conn.Kafka, p.Delivery))
				return nil
			case <-done:
				return fmt.Errorf("router stopped while starting")
			case <-ctx.Done():
				return fmt.Errorf("router start: %w", ctx.Err())
			}
		},
		OnStop: func(ctx context.Context) error {
			err := router.Close()
			select {
			case <-done:
			case <-ctx.Done():
			}
			return err
		},
	})
}
