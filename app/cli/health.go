package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

func newHealth(out IO, load loader) *cobra.Command {
	var q healthQuery
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Ask a running serve (or gateway) whether it is ready",
		Long: `health asks a running serve whether it is ready (/readyz, or /healthz with
--live) on http.addr, or with --gateway the gateway command on
gateway.listen, prints the answer and exits 0 only on 200 OK. It is the
Docker healthcheck: distroless images have no shell and no curl.`,
		Example: `  orderflow health
  orderflow health --live --timeout 2s
  ORDERFLOW_HTTP_ADDR=127.0.0.1:8083 orderflow health`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return health(cmd.Context(), load, q, out)
		},
	}
	cmd.Flags().BoolVar(&q.live, "live", false, "ask /healthz (the process lives) instead of /readyz (it does its work)")
	cmd.Flags().BoolVar(&q.gateway, "gateway", false, "ask orderflow gateway on gateway.listen instead of serve on http.addr")
	cmd.Flags().DurationVar(&q.timeout, "timeout", 4*time.Second, "give up after this long")
	return cmd
}

// healthQuery is what health asks, and of whom.
type healthQuery struct {
	live, gateway bool
	timeout       time.Duration
}

// health asks a running serve whether it is ready (/readyz, or /healthz with
// --live) on http.addr, or with --gateway the gateway command on
// gateway.listen, prints the answer and succeeds only on 200. It is the
// Docker healthcheck: distroless has no shell and no curl.
func health(ctx context.Context, load loader, q healthQuery, io IO) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	key, listen := "http.addr", cfg.HTTP.Addr
	if q.gateway {
		key, listen = "gateway.listen", cfg.Gateway.Listen
	}
	addr, err := dialable(key, listen)
	if err != nil {
		return err
	}
	path := "/readyz"
	if q.live {
		path = "/healthz"
	}
	url := "http://" + addr + path
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := readSome(resp.Body)
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(io.Err, "%s: %s\n%s", url, resp.Status, body)
		return exitCode(1)
	}
	fmt.Fprintf(io.Out, "%s", body)
	return nil
}

// dialable turns the listen address under key into one to dial: a wildcard
// host is this host.
func dialable(key, listen string) (string, error) {
	if listen == "" {
		return "", fmt.Errorf("%s is empty: nothing answers health checks", key)
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	if port == "0" {
		return "", fmt.Errorf("%s %q has port 0: the port is picked at start, so there is none to ask", key, listen)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// readSome reads at most 4 KiB of an answer.
func readSome(r io.Reader) ([]byte, error) { return io.ReadAll(io.LimitReader(r, 4<<10)) }
