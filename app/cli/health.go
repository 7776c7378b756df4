package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Health asks a running serve whether it is ready (/readyz, or /healthz with
// --live) on http.addr, or with --gateway the gateway command on
// gateway.listen, prints the answer and succeeds only on 200. It is the
// Docker healthcheck: distroless has no shell and no curl.
func Health(ctx context.Context, args []string, io IO) error {
	fs, load := flags("health", io)
	fs.Usage = func() {
		fmt.Fprintln(io.Err, "Usage: orderflow health [--live] [--gateway] [--config FILE]")
		fs.PrintDefaults()
	}
	live := fs.Bool("live", false, "ask /healthz (the process lives) instead of /readyz (it does its work)")
	gateway := fs.Bool("gateway", false, "ask orderflow gateway on gateway.listen instead of serve on http.addr")
	timeout := fs.Duration("timeout", 4*time.Second, "give up after this long")
	cfg, err := load(args)
	if err != nil {
		return err
	}
	key, listen := "http.addr", cfg.HTTP.Addr
	if *gateway {
		key, listen = "gateway.listen", cfg.Gateway.Listen
	}
	addr, err := dialable(key, listen)
	if err != nil {
		return err
	}
	path := "/readyz"
	if *live {
		path = "/healthz"
	}
	url := "http://" + addr + path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
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
