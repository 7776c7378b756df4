// Package cli is orderflow's command line: serve, gateway, demo, seed, dlq,
// topics, health and config.
// Each command parses its flags, loads the config and calls into the app.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

const usage = `orderflow — an event-driven order pipeline on Kafka

Usage: orderflow <command> [flags]

Commands:
  serve        run the pipeline until SIGINT/SIGTERM
  gateway      serve the payment gateway simulator over HTTP (docs/gateway.md)
  demo         embedded broker + pipeline + seeded orders, then a summary
  seed         publish orders, some built to fail
  dlq list     show dead letters without disturbing them
  dlq triage   group dead letters by cause, the largest first
  dlq replay   send dead letters back to their original topics
  topics       create the configured topics if missing
  health       ask a running serve whether it is ready (the Docker healthcheck)
  config       print the configuration in effect (--defaults: every key's default)

Every command takes --config FILE (default $ORDERFLOW_CONFIG, else config.yaml
if present, else the defaults); ORDERFLOW_* variables override its keys.
Run "orderflow <command> -h" for a command's flags.
`

// IO is where a command writes, results to Out and progress and logs to Err,
// and Abort: a context that ends at a second SIGINT or SIGTERM, when a command
// that drains on the first (serve) must stop draining.
type IO struct {
	Out, Err io.Writer
	Abort    context.Context
	// App is added to the app serve builds: the test binary's hooks
	// (MainWith); nothing in the orderflow binary.
	App []fx.Option
}

type command func(ctx context.Context, args []string, io IO) error

// Main runs the command named by args[0] and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int { return MainWith(args, stdout, stderr) }

// MainWith is Main with app added to the app serve builds: the test
// binary's fault hooks reach the process this way, never through config.
func MainWith(args []string, stdout, stderr io.Writer, app ...fx.Option) int {
	commands := map[string]command{
		"serve":   Serve,
		"gateway": Gateway,
		"demo":    Demo,
		"seed":    Seed,
		"dlq":     DLQ,
		"topics":  Topics,
		"health":  Health,
		"config":  Config,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "orderflow: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	ctx, abort, release := signals()
	defer release()
	err := cmd(ctx, args[1:], IO{Out: stdout, Err: stderr, Abort: abort, App: app})
	var exit exitCode
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.As(err, &exit):
		return int(exit)
	default:
		fmt.Fprintf(stderr, "orderflow %s: %v\n", args[0], err)
		return 1
	}
}

// exitCode ends a command with a code and no further message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// flags returns a flag set with --config, and a function that parses args and
// loads the config, the command's own settings (set, from its flags) applied
// before it is validated.
func flags(name string, io IO) (*flag.FlagSet, loader) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	path := fs.String("config", "", "config `file` (default $"+config.PathEnv+", else "+config.DefaultPath+" if present)")
	return fs, func(args []string, set ...func(*config.Config)) (config.Config, error) {
		if err := fs.Parse(args); err != nil {
			return config.Config{}, err
		}
		if fs.NArg() > 0 {
			return config.Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
		}
		return config.Load(*path, os.Environ(), set...)
	}
}

// loader parses a command's arguments and loads the config with the
// command's own settings applied.
type loader func(args []string, set ...func(*config.Config)) (config.Config, error)

// connect is how a client command starts: the config loaded, then the
// brokers reached (reach).
func connect(ctx context.Context, load loader, args []string, io IO) (config.Config, kafkaclient.Conn, error) {
	cfg, err := load(args)
	if err != nil {
		return config.Config{}, kafkaclient.Conn{}, err
	}
	conn, err := reach(ctx, cfg, io)
	return cfg, conn, err
}

// start starts a and reports a failure by its root cause, not fx's whole chain.
func start(ctx context.Context, a *fx.App) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", dig.RootCause(err))
	}
	return nil
}

// reach returns the brokers a client command dials, once one of them answers:
// a command fails within 2 × kafkaclient.StartTimeout, naming each address,
// rather than hang on brokers that are down or silent. With kafka.embedded the
// broker runs inside serve or demo, on the configured addresses. A
// configuration that does not check the brokers' certificates is warned about
// (on io.Err, as a log line) before anything is sent.
func reach(ctx context.Context, cfg config.Config, io IO) (kafkaclient.Conn, error) {
	if cfg.Kafka.TLS.InsecureSkipVerify {
		logging.New(cfg.Logging, io.Err).Warn("INSECURE: kafka.tls.insecure_skip_verify is set: the brokers' certificates are not checked, so anyone on the path can pose as a broker; for test clusters only")
	}
	conn, err := kafkaclient.Connect(cfg.Kafka.Brokers, cfg.Kafka)
	if err != nil {
		return kafkaclient.Conn{}, err
	}
	if err := kafkaclient.Probe(ctx, conn); err != nil {
		return kafkaclient.Conn{}, err
	}
	return conn, nil
}
