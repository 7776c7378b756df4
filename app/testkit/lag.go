package testkit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
)

// Groups are the pipeline's consumer groups (named after its steps, after
// kafka.group_prefix) and the topic each consumes.
func Groups(c config.Config) map[string]string {
	k, t := c.Kafka, c.Topics
	return map[string]string{k.Group(config.StepPayments): t.Orders, k.Group(config.StepShipping): t.Payments, k.Group(config.StepNotifications): t.Payments}
}

// WaitCaughtUp waits until each consumer group's committed offset on every
// partition of its topic (groups: group → topic) is the partition's end, as
// Kafka's own kafka-consumer-groups --describe counts LAG: the high
// watermark, transaction markers included. It reads the brokers itself, not
// orderflow's lag metrics, and fails the test at the deadline naming every
// partition still behind.
func WaitCaughtUp(t testing.TB, c Cluster, within time.Duration, groups map[string]string) {
	t.Helper()
	cl, err := kgo.NewClient(c.Conn(t).Franz()...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	WaitFor(t, within, "every group's committed offsets at its partitions' ends", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var behind []string
		for group, topic := range groups {
			ends, err := adm.ListEndOffsets(ctx, topic)
			if err == nil {
				err = ends.Error()
			}
			if err != nil {
				return false, err.Error()
			}
			committed, err := adm.FetchOffsets(ctx, group)
			if err == nil {
				err = committed.Error()
			}
			if err != nil {
				return false, err.Error()
			}
			ends.Each(func(end kadm.ListedOffset) {
				at := int64(-1)
				if o, ok := committed.Lookup(topic, end.Partition); ok {
					at = o.At
				}
				if at != end.Offset && end.Offset > 0 {
					behind = append(behind, fmt.Sprintf("%s on %s/%d at %d of %d (lag %d)", group, topic, end.Partition, at, end.Offset, end.Offset-max(at, 0)))
				}
			})
		}
		return len(behind) == 0, strings.Join(behind, "; ")
	})
}
