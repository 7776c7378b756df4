package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
)

// EnsureTopics creates every configured topic that is missing: the configured
// partitions and replication factor, min.insync.replicas, and a retention for
// the dead-letter topic. It returns the topics it created.
func EnsureTopics(c Conn, t config.Topics) ([]string, error) {
	cl, err := kgo.NewClient(c.Franz()...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), topicsTimeout)
	defer cancel()

	existing, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", ExplainDenied(err, c.Kafka))
	}
	minISR := strconv.Itoa(t.MinInsyncReplicas)
	var created []string
	for _, name := range t.All() {
		if existing.Has(name) && existing[name].Err == nil {
			continue
		}
		entries := map[string]*string{"min.insync.replicas": &minISR}
		if name == t.DeadLetter {
			retention := strconv.FormatInt(t.DeadLetterRetention.Milliseconds(), 10)
			entries["retention.ms"] = &retention
		}
		resp, err := adm.CreateTopic(ctx, int32(t.Partitions), int16(t.ReplicationFactor), entries, name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return created, fmt.Errorf("create topic %s: %w", name, ExplainDenied(err, c.Kafka))
		}
		if err == nil && !slices.Contains(created, name) {
			created = append(created, name)
		}
	}
	return created, nil
}

// topicsTimeout bounds EnsureTopics.
const topicsTimeout = 60 * time.Second
