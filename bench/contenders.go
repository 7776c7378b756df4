package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

type contender struct {
	name, title string
	// commands returns the processes that make up the contender.
	commands func(brokers []string, prefix string, partitions int) []*exec.Cmd
}

var contenderNames = []string{"orderflow", "watermill", "sarama", "franz", "python"}

func self(args ...string) *exec.Cmd {
	exe, _ := os.Executable()
	return exec.Command(exe, append([]string{"contender"}, args...)...)
}

func contenderByName(name string) (contender, bool) {
	switch name {
	case "orderflow":
		return contender{name, "orderflow as shipped", func(b []string, prefix string, partitions int) []*exec.Cmd {
			t := topicsFor(prefix)
			cmd := self("orderflow", "serve")
			cmd.Env = append(os.Environ(),
				"ORDERFLOW_KAFKA_EMBEDDED=false",
				"ORDERFLOW_KAFKA_BROKERS="+strings.Join(b, ","),
				"ORDERFLOW_TOPICS_ORDERS="+t.orders,
				"ORDERFLOW_TOPICS_PAYMENTS="+t.payments,
				"ORDERFLOW_TOPICS_SHIPMENTS="+t.shipments,
				"ORDERFLOW_TOPICS_NOTIFICATIONS="+t.notifications,
				"ORDERFLOW_TOPICS_DEAD_LETTER="+t.deadLetter,
				"ORDERFLOW_TOPICS_PARTITIONS="+strconv.Itoa(partitions),
				"ORDERFLOW_GATEWAY_DECLINE_OVER_CENTS=1000000000", // every order paid, shipped and notified
				"ORDERFLOW_LOGGING_LEVEL=warn",
			)
			return []*exec.Cmd{cmd}
		}}, true
	case "watermill", "sarama", "franz":
		title := map[string]string{
			"watermill": "Watermill + watermill-kafka defaults",
			"sarama":    "hand-written Sarama relay",
			"franz":     "hand-written franz-go relay",
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
