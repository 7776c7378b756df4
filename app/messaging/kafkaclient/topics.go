package kafkaclient

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/IBM/sarama"

	"github.com/orderflow/orderflow/app/config"
)

// EnsureTopics creates every configured topic that is missing: the configured
// partitions and replication factor, min.insync.replicas, and a retention for
// the dead-letter topic. It returns the topics it created.
func EnsureTopics(c Conn, t config.Topics) ([]string, error) {
	admin, err := sarama.NewClusterAdmin(c.Brokers, c.Sarama())
	if err != nil {
		return nil, fmt.Errorf("cluster admin: %w", err)
	}
	defer admin.Close()

	existing, err := admin.ListTopics()
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", ExplainDenied(err, c.Kafka))
	}
	minISR := strconv.Itoa(t.MinInsyncReplicas)
	var created []string
	for _, name := range t.All() {
		if _, ok := existing[name]; ok {
			continue
		}
		entries := map[string]*string{"min.insync.replicas": &minISR}
		if name == t.DeadLetter {
			retention := strconv.FormatInt(t.DeadLetterRetention.Milliseconds(), 10)
			entries["retention.ms"] = &retention
		}
		err := admin.CreateTopic(name, &sarama.TopicDetail{
			NumPartitions:     int32(t.Partitions),
			ReplicationFactor: int16(t.ReplicationFactor),
			ConfigEntries:     entries,
		}, false)
		if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
			return created, fmt.Errorf("create topic %s: %w", name, ExplainDenied(err, c.Kafka))
		}
		created = append(created, name)
	}
	return created, nil
}
