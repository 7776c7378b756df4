package kafka

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
func EnsureTopics(brokers Brokers, cfg config.Kafka, t config.Topics) ([]string, error) {
	sc, err := SaramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	admin, err := sarama.NewClusterAdmin(brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("cluster admin: %w", err)
	}
	defer admin.Close()

	existing, err := admin.ListTopics()
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", Refused(err, cfg))
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
			return created, fmt.Errorf("create topic %s: %w", name, Refused(err, cfg))
		}
		created = append(created, name)
	}
	return created, nil
}
