package cli

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/orderflow/orderflow/app/config"
)

// setting is a config key and the addresses it holds.
type setting struct {
	key   string
	addrs []string
}

// inUse says which setting moves a listener whose address is taken: the
// first of settings with an address on that port. Other errors pass as
// they are.
func inUse(err error, settings ...setting) error {
	var op *net.OpError
	if !errors.Is(err, syscall.EADDRINUSE) || !errors.As(err, &op) || op.Addr == nil {
		return err
	}
	taken := op.Addr.String()
	_, port, _ := net.SplitHostPort(taken)
	for _, s := range settings {
		for _, a := range s.addrs {
			if _, p, _ := net.SplitHostPort(a); p == port {
				env := config.EnvPrefix + strings.ToUpper(strings.ReplaceAll(s.key, ".", "_"))
				free := "a free port"
				if len(s.addrs) > 1 {
					free = "free ports"
				}
				return fmt.Errorf("%s is in use: set %s (%s) to %s, or 127.0.0.1:0 to pick any", taken, s.key, env, free)
			}
		}
	}
	return err
}
