package kafkaclient

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
)

// LagCollector reports, on each scrape, where every consumer group stands on
// its topic, partition by partition: the committed offset, the end offset and
// the lag between them (messages not yet committed). Asked at scrape time, not
// sampled in the background: the figures are as fresh as the scrape, and no
// goroutine runs between scrapes. A scrape that cannot reach the brokers
// within lagTimeout reports orderflow_consumer_lag_scrape_errors_total and no
// lag, rather than stale figures.
type LagCollector struct {
	brokers Brokers
	sarama  *sarama.Config
	groups  map[string]string // consumer group → the topic it consumes
	log     *slog.Logger

	mu     sync.Mutex // one scrape at a time; guards client
	client sarama.Client

	lag, committed, end *prometheus.Desc
	errors              prometheus.Counter
}

// lagTimeout bounds each request of a scrape.
const lagTimeout = 2 * time.Second

// NewLagCollector watches groups (consumer group → topic) on brokers. The
// client is made on the first scrape and kept; Close ends it.
func NewLagCollector(c Conn, groups map[string]string, log *slog.Logger) *LagCollector {
	labels := []string{"group", "topic", "partition"}
	return &LagCollector{
		brokers: c.Brokers, sarama: probeConfig(c, lagTimeout), groups: groups, log: log,
		lag: prometheus.NewDesc("orderflow_consumer_lag_messages",
			"Messages of a partition not yet committed by a consumer group: end offset minus committed offset.", labels, nil),
		committed: prometheus.NewDesc("orderflow_consumer_committed_offset",
			"The consumer group's committed offset on the partition (-1: none yet).", labels, nil),
		end: prometheus.NewDesc("orderflow_partition_end_offset",
			"The partition's end offset (the offset the next record will get).", labels, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderflow_consumer_lag_scrape_errors_total",
			Help: "Scrapes whose consumer lag could not be read from the brokers.",
		}),
	}
}

var _ prometheus.Collector = (*LagCollector)(nil)

// Describe sends the descriptors of every metric the collector reports.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lag
	ch <- c.committed
	ch <- c.end
	c.errors.Describe(ch)
}

// Collect reads each group's committed offsets and its topic's end offsets.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.collect(ch); err != nil {
		c.errors.Inc()
		c.log.Warn("consumer lag not read", "err", err)
	}
	c.errors.Collect(ch)
}

func (c *LagCollector) collect(ch chan<- prometheus.Metric) error {
	if c.client == nil || c.client.Closed() {
		client, err := sarama.NewClient(c.brokers, c.sarama)
		if err != nil {
			return fmt.Errorf("kafka client: %w", err)
		}
		c.client = client
	}
	admin, err := sarama.NewClusterAdminFromClient(c.client)
	if err != nil {
		return fmt.Errorf("cluster admin: %w", err)
	}
	// Not admin.Close: it would close the shared client.
	for group, topic := range c.groups {
		partitions, err := c.client.Partitions(topic)
		if err != nil {
			return fmt.Errorf("partitions of %s: %w", topic, err)
		}
		offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: partitions})
		if err != nil {
			return fmt.Errorf("offsets of group %s: %w", group, err)
		}
		for _, p := range partitions {
			end, err := lastStable(c.client, c.sarama.Version, topic, p)
			if err != nil {
				return fmt.Errorf("end offset of %s/%d: %w", topic, p, err)
			}
			committed := int64(-1)
			if b := offsets.GetBlock(topic, p); b != nil {
				committed = b.Offset
			}
			lag := end - max(committed, 0)
			labels := []string{group, topic, strconv.Itoa(int(p))}
			ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(lag), labels...)
			ch <- prometheus.MustNewConstMetric(c.committed, prometheus.GaugeValue, float64(committed), labels...)
			ch <- prometheus.MustNewConstMetric(c.end, prometheus.GaugeValue, float64(end), labels...)
		}
	}
	return nil
}

// lastStable is the partition's last stable offset: its end as a
// read-committed consumer sees it, before any transaction still open
// (delivery.guarantee exactly_once). Lag is measured against it: the records
// of an open transaction cannot be consumed yet. Sarama's GetOffset asks for
// the high watermark.
func lastStable(client sarama.Client, v sarama.KafkaVersion, topic string, p int32) (int64, error) {
	leader, err := client.Leader(topic, p)
	if err != nil {
		return -1, err
	}
	req := sarama.NewOffsetRequest(v)
	req.IsolationLevel = sarama.ReadCommitted
	req.AddBlock(topic, p, sarama.OffsetNewest, 1)
	resp, err := leader.GetAvailableOffsets(req)
	if err != nil {
		return -1, err
	}
	block := resp.GetBlock(topic, p)
	if block == nil {
		return -1, sarama.ErrIncompleteResponse
	}
	if !errors.Is(block.Err, sarama.ErrNoError) {
		return -1, block.Err
	}
	if len(block.Offsets) > 0 && req.Version == 0 {
		return block.Offsets[0], nil
	}
	return block.Offset, nil
}

// Close ends the collector's client.
func (c *LagCollector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		return nil
	}
	return c.client.Close()
}
