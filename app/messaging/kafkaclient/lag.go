package kafkaclient

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LagCollector reports, on each scrape, where every consumer group stands on
// its topic, partition by partition: the committed offset, the end offset and
// the lag between them (messages not yet committed). Asked at scrape time, not
// sampled in the background: the figures are as fresh as the scrape, and no
// goroutine runs between scrapes. A scrape that cannot reach the brokers
// within lagTimeout reports orderflow_consumer_lag_scrape_errors_total and no
// lag, rather than stale figures.
type LagCollector struct {
	conn   Conn
	groups map[string]string // consumer group → the topic it consumes
	log    *slog.Logger

	mu  sync.Mutex // one scrape at a time; guards adm
	adm *kadm.Client

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
		conn: c, groups: groups, log: log,
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
	if c.adm == nil {
		cl, err := kgo.NewClient(c.conn.Franz(kgo.DialTimeout(lagTimeout), kgo.RetryTimeout(lagTimeout))...)
		if err != nil {
			return fmt.Errorf("kafka client: %w", err)
		}
		c.adm = kadm.NewClient(cl)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*lagTimeout)
	defer cancel()
	for group, topic := range c.groups {
		// The last stable offset: the end as a read-committed consumer sees
		// it, before any transaction still open (exactly_once), whose
		// records cannot be consumed yet.
		ends, err := c.adm.ListCommittedOffsets(ctx, topic)
		if err == nil {
			err = ends.Error()
		}
		if err != nil {
			return fmt.Errorf("end offsets of %s: %w", topic, err)
		}
		offsets, err := c.adm.FetchOffsets(ctx, group)
		if err == nil {
			err = offsets.Error()
		}
		if err != nil {
			return fmt.Errorf("offsets of group %s: %w", group, err)
		}
		ends.Each(func(o kadm.ListedOffset) {
			committed := int64(-1)
			if r, ok := offsets.Lookup(topic, o.Partition); ok {
				committed = r.At
			}
			lag := o.Offset - max(committed, 0)
			labels := []string{group, topic, strconv.Itoa(int(o.Partition))}
			ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(lag), labels...)
			ch <- prometheus.MustNewConstMetric(c.committed, prometheus.GaugeValue, float64(committed), labels...)
			ch <- prometheus.MustNewConstMetric(c.end, prometheus.GaugeValue, float64(o.Offset), labels...)
		})
	}
	return nil
}

// Close ends the collector's client.
func (c *LagCollector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.adm != nil {
		c.adm.Close()
	}
	return nil
}
