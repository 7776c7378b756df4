package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/orderflow/orderflow/app/config"
)

type contender struct {
	name, title string
	// commands returns the processes that make up the contender.
	commands func(brokers []string, prefix string, partitions int) []*exec.Cmd
}

var contenderNames = []string{"orderflow", "orderflow-watermill-kafka", "orderflow-eos", "watermill", "sarama", "franz", "python"}

func self(args ...string) *exec.Cmd {
	exe, _ := os.Executable()
	return exec.Command(exe, append([]string{"contender"}, args...)...)
}

func contenderByName(name string) (contender, bool) {
	switch name {
	case "orderflow", "orderflow-watermill-kafka", "orderflow-eos":
		title := map[string]string{"orderflow": "orderflow as shipped (franz-go)",
			"orderflow-watermill-kafka": "orderflow, kafka.client: watermill-kafka",
			"orderflow-eos":             "orderflow exactly-once (franz-go)"}[name]
		return contender{name, title, func(b []string, prefix string, partitions int) []*exec.Cmd {
			t := topicsFor(prefix)
			cfg := config.Default() // as shipped, on the bench's brokers and topics
			cfg.Kafka.Brokers = b
			cfg.Topics.Orders, cfg.Topics.Payments, cfg.Topics.Shipments = t.orders, t.payments, t.shipments
			cfg.Topics.Notifications, cfg.Topics.DeadLetter, cfg.Topics.Partitions = t.notifications, t.deadLetter, partitions
			cfg.Gateway.DeclineOverCents = 1_000_000_000 // every order paid, shipped and notified
			cfg.Logging.Level = "warn"
			cfg.Gateway.StorePath = gatewayStore(prefix) // serve keeps its records in a file
			if name == "orderflow-watermill-kafka" {
				cfg.Kafka.Client = config.ClientWatermillKafka
			}
			if name == "orderflow-eos" {
				cfg.Delivery.Guarantee, cfg.Delivery.Instance = config.ExactlyOnce, "bench"
			}
			cmd := self("orderflow", "serve")
			cmd.Env = append(os.Environ(), config.Environ(cfg)...)
			return []*exec.Cmd{cmd}
		}}, true
	case "watermill", "sarama", "franz", "sarama-txn", "franz-txn":
		title := map[string]string{
			"watermill":  "Watermill + watermill-kafka defaults",
			"sarama":     "hand-written Sarama relay",
			"franz":      "hand-written franz-go relay",
			"sarama-txn": "Sarama relay, exactly once",
			"franz-txn":  "franz-go relay, exactly once",
		}[name]
		return contender{name, title, func(b []string, prefix string, _ int) []*exec.Cmd {
			return []*exec.Cmd{self(name, strings.Join(b, ","), prefix)}
		}}, true
	case "python":
		return contender{name, "Python confluent-kafka relay per hop", func(b []string, prefix string, _ int) []*exec.Cmd {
			var cmds []*exec.Cmd
			for _, h := range hops(topicsFor(prefix)) {
				cmds = append(cmds, exec.Command("/usr/bin/python3", "bench/relay.py", strings.Join(b, ","), h.group, h.from, h.to))
			}
			return cmds
		}}, true
	}
	return contender{}, false
}

func (c contender) String() string { return fmt.Sprintf("%s (%s)", c.name, c.title) }

// gatewayStore is where an orderflow contender keeps its gateway's records
// during the run on the topics named prefix…; the run deletes it with them.
func gatewayStore(prefix string) string {
	return filepath.Join(os.TempDir(), prefix+"-gateway.jsonl")
}
