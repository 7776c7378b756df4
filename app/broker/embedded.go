// Package broker hosts an in-process Kafka-protocol cluster (franz-go's kfake)
// for runs with nothing installed. Its data lives in memory and is gone when
// the process exits. It is for demos and fast tests; claims about delivery are
// tested on Apache Kafka.
package broker

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/orderflow/orderflow/app/config"
)

// Embedded is a running in-process cluster of one broker per configured address.
type Embedded struct {
	cluster *kfake.Cluster
}

// Start listens on the ports of cfg.Brokers (all on 127.0.0.1; port 0 picks a free one).
func Start(cfg config.Kafka) (*Embedded, error) {
	ports := make([]int, len(cfg.Brokers))
	for i, addr := range cfg.Brokers {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("embedded broker address %q: %w", addr, err)
		}
		if ports[i], err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("embedded broker port %q: %w", port, err)
		}
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(len(ports)),
		kfake.Ports(ports...),
		kfake.ClusterID("orderflow-embedded"),
		kfake.GroupMinSessionTimeout(0),
	)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker: %w", err)
	}
	return &Embedded{cluster: c}, nil
}

// Addrs are the addresses the brokers listen on.
func (e *Embedded) Addrs() []string { return e.cluster.ListenAddrs() }

// Close stops the brokers; their data is gone.
func (e *Embedded) Close() { e.cluster.Close() }
