package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
)

// Serve runs the pipeline until the first SIGINT or SIGTERM, then stops taking
// messages, finishes and commits those in flight, and returns. A second signal
// exits at once.
func Serve(ctx context.Context, args []string, io IO) error {
	fs, load := flags("serve", io)
	fs.Usage = func() { fmt.Fprintln(io.Err, "Usage: orderflow serve [--config FILE]"); fs.PrintDefaults() }
	cfg, err := load(args)
	if err != nil {
		return err
	}
	a := fx.New(app.Options(cfg))
	if err := start(ctx, a); err != nil {
		return err
	}
	// fx and ctx both hear the first signal; a.Wait also ends when the router
	// stops on its own, with a non-zero code.
	code := 0
	select {
	case <-ctx.Done():
	case sig := <-a.Wait():
		code = sig.ExitCode
	}
	// From now on a second signal ends the process at once.
	second := make(chan os.Signal, 1)
	signal.Notify(second, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(second)
	go func() {
		<-second
		os.Exit(130)
	}()
	fmt.Fprintln(io.Err, "stopping: finishing messages in flight (signal again to exit now)")
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.Handler.CloseTimeout+10*time.Second)
	defer cancel()
	if err := a.Stop(stopCtx); err != nil {
		return err
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}
