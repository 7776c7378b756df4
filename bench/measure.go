package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/seed"
)

type result struct {
	Name            string  `json:"name"`
	Title           string  `json:"title"`
	OrdersPerSecond float64 `json:"orders_per_second"`
	Settled         int     `json:"settled"` // distinct orders shipped and notified
	// Duplicates counts shipment and notification records beyond the first
	// per order: they do not count as settled.
	Duplicates int     `json:"duplicates"`
	Partial    bool    `json:"partial"` // stopped at --max-time before every order settled
	CPUPer1000 float64 `json:"cpu_seconds_per_1000_orders"`
	// BrokerCPUPer1000 is the local cluster's CPU spent on the contender's
	// traffic; 0 when the brokers are not local processes.
	BrokerCPUPer1000 float64 `json:"broker_cpu_seconds_per_1000_orders"`
	// The brokers' requests during the drain, per 1,000 orders settled, and
	// the bytes appended per record (JMX of the local cluster; 0 when not
	// read): produce requests, consumers' fetches, followers' fetches.
	ProducePer1000       float64         `json:"produce_requests_per_1000_orders,omitempty"`
	FetchPer1000         float64         `json:"fetch_requests_per_1000_orders,omitempty"`
	FollowerFetchPer1000 float64         `json:"replica_fetch_requests_per_1000_orders,omitempty"`
	BytesPerRecord       float64         `json:"bytes_per_record,omitempty"`
	PeakRSSMiB           float64         `json:"peak_rss_mib"`
	Latency              []latencyResult `json:"latency"`
	// Drains are every measured drain (--repeats, interleaved with the other
	// contenders'); the figures above are the median one's.
	Drains []result `json:"drains,omitempty"`
}

type latencyResult struct {
	Rate int `json:"rate"`
	Sent int `json:"sent"` // orders the brokers acknowledged
	// Failed counts orders whose produce failed: not sent, not waited for.
	Failed     int     `json:"failed"`
	Received   int     `json:"received"`   // distinct orders notified
	Duplicates int     `json:"duplicates"` // notifications beyond the first per order
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	P999ms     float64 `json:"p999_ms"`
	SteadyRSS  float64 `json:"steady_rss_mib"`
}

// warm drains backlogs for c, not measured, until the brokers' CPU per
// order stops falling: windows of a fifth of o.Warmup orders (at least
// 10,000), until two in a row are within 10 % of each other, o.Warmup orders
// are drained, or o.WarmupFor has passed. The brokers' JIT compiles the
// request paths each client library uses (its own protocol versions, groups,
// producer IDs) only once they run: measured on a fresh cluster, the first
// contender paid for that compilation (broker CPU per order up to 3×).
func warm(ctx context.Context, cl *kgo.Client, c contender, o options) error {
	if o.Warmup <= 0 {
		return nil
	}
	window := max(o.Warmup/5, 10_000)
	deadline := time.Now().Add(o.WarmupFor)
	var last float64
	for done, n := 0, 1; done < o.Warmup && time.Until(deadline) > 0; n++ {
		w, err := drain(ctx, cl, c, o, window, time.Until(deadline), false)
		if err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		done += w.Settled
		fmt.Printf("   warm-up %d (not counted): %d orders at %.0f orders/s, broker CPU s / 1000 orders %.3f\n", n, w.Settled, w.OrdersPerSecond, w.BrokerCPUPer1000)
		if last > 0 && w.BrokerCPUPer1000 > 0.9*last && w.BrokerCPUPer1000 < 1.1*last {
			fmt.Println("   warm: the brokers' CPU per order held within 10 % over two windows")
			return nil
		}
		last = w.BrokerCPUPer1000
	}
	fmt.Println("   warm-up cap reached (--warmup, --warmup-for) before the brokers' CPU per order held")
	return nil
}

// median is the drain of rs with the median orders/s (the lower of two
// middles), every drain kept in its Drains.
func median(rs []result) result {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b result) int { return cmp.Compare(a.OrdersPerSecond, b.OrdersPerSecond) })
	m := sorted[(len(sorted)-1)/2]
	m.Drains = rs
	return m
}

// latencies runs c at each of o.Rates, open loop.
func latencies(ctx context.Context, cl *kgo.Client, c contender, o options, maxRate float64) ([]latencyResult, error) {
	var out []latencyResult
	for _, rate := range latencyRates(o.Rates, maxRate) {
		lr, err := latency(ctx, cl, c, o, rate)
		if err != nil {
			return out, err
		}
		out = append(out, lr)
	}
	return out, nil
}

// drain measures c's maximum throughput: a backlog of orders pre-filled on
// topics of its own, drained, stopped after maxTime. report prints progress
// and the figures.
func drain(ctx context.Context, cl *kgo.Client, c contender, o options, orders int, maxTime time.Duration, report bool) (result, error) {
	var r result
	prefix := fmt.Sprintf("bench-%s-%d-", c.name, time.Now().Unix())
	t := topicsFor(prefix)
	if err := createTopics(ctx, cl, t, o.Partitions); err != nil {
		return r, err
	}
	defer deleteTopics(cl, t)
	defer os.Remove(gatewayStore(prefix))
	var watch *brokerWatch // the brokers' request counters, for a measured drain
	if report {
		watch = watchBrokers(o.Brokers)
		defer watch.stop()
		fmt.Printf("   pre-filling %d orders\n", orders)
	}
	if err := prefill(ctx, cl, t.orders, orders); err != nil {
		return r, err
	}
	settle, err := watchSettle(o.Brokers, t, orders)
	if err != nil {
		return r, err
	}
	defer settle.stop()
	procs, err := start(c, o, prefix)
	if err != nil {
		return r, err
	}
	defer procs.stop()
	sampler := newSampler(procs, brokerPIDs())
	started := time.Now()
	var first, elapsedAt time.Time
	var settled int
	var fetchesAtFirst, fetchesAtEnd int64
	lastReport := time.Now()
	for elapsedAt.IsZero() {
		if err := cmp.Or(ctx.Err(), procs.failed()); err != nil {
			return r, err
		}
		if first.IsZero() {
			if pay, _ := endOffsets(ctx, cl, t.payments); pay > 0 {
				first = time.Now()
				fetchesAtFirst = settle.fetches.Load()
				sampler.markStart()
			}
		}
		select {
		case <-settle.done:
			settled, r.Duplicates, elapsedAt, fetchesAtEnd = settle.state()
		case <-time.After(100 * time.Millisecond):
			if time.Since(started) > maxTime {
				settled, r.Duplicates, _, _ = settle.state()
				elapsedAt, fetchesAtEnd, r.Partial = time.Now(), settle.fetches.Load(), true
			}
		}
		if report && time.Since(lastReport) >= 5*time.Second {
			n, _, _, _ := settle.state()
			fmt.Printf("   %d/%d orders through (shipped and notified)\n", n, orders)
			lastReport = time.Now()
		}
	}
	if first.IsZero() {
		first = started
	}
	elapsed := elapsedAt.Sub(first)
	use := sampler.stop()
	procs.stop()
	r.Settled = settled
	r.OrdersPerSecond = float64(settled) / elapsed.Seconds()
	r.PeakRSSMiB = use.peakRSS
	if settled > 0 {
		r.CPUPer1000 = use.cpu / float64(settled) * 1000
		r.BrokerCPUPer1000 = use.brokerCPU / float64(settled) * 1000
	}
	if watch != nil && settled > 0 {
		// Counted to the moment every order was through, before the reads
		// that tell duplicates apart fetch the output topics.
		if bc, err := watch.between(first, elapsedAt); err != nil {
			fmt.Printf("   no request counts: %v\n", err)
		} else {
			bc.Fetch = max(0, bc.Fetch-float64(fetchesAtEnd-fetchesAtFirst)) // less the settle watch's own
			per := 1000 / float64(settled)
			r.ProducePer1000, r.FetchPer1000, r.FollowerFetchPer1000 = bc.Produce*per, bc.Fetch*per, bc.Follower*per
			if bc.Records > 0 {
				r.BytesPerRecord = bc.Bytes / bc.Records
			}
		}
	}
	if !report {
		return r, nil
	}
	fmt.Printf("   throughput: %.0f orders/s (%d settled in %s%s, %d duplicate records), peak RSS %.1f MiB, CPU s / 1000 orders: %.3f contender, %.3f brokers\n",
		r.OrdersPerSecond, settled, elapsed.Round(100*time.Millisecond), map[bool]string{true: ", stopped at --max-time"}[r.Partial],
		r.Duplicates, r.PeakRSSMiB, r.CPUPer1000, r.BrokerCPUPer1000)
	if r.ProducePer1000 > 0 {
		fmt.Printf("   brokers' requests per 1,000 orders: %.0f produce, %.0f fetch (%.0f replica fetches), %.0f bytes per record\n",
			r.ProducePer1000, r.FetchPer1000, r.FollowerFetchPer1000, r.BytesPerRecord)
	}
	return r, nil
}

// latencyRates are 1,000 orders/s and a quarter of the contender's maximum.
// latencyRates turns --rates into orders per second for a contender whose max
// throughput is max, leaving out repeats and rates that round to nothing.
func latencyRates(specs []string, max float64) []int {
	var rates []int
	for _, s := range specs {
		r, _ := parseRate(s, max) // checked at start
		if r > 0 && !slices.Contains(rates, r) {
			rates = append(rates, r)
		}
	}
	return rates
}

// parseRate reads "1000" as 1,000 orders/s and "25%" as a quarter of max.
func parseRate(s string, max float64) (int, error) {
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return 0, fmt.Errorf("--rates: %q is not a percentage", s)
		}
		return int(max * f / 100), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("--rates: %q is neither orders per second nor a percentage", s)
	}
	return n, nil
}

// order is a realistic order (about 0.5 KB) placed at when.
func order(id string, rng *rand.Rand, when time.Time) []byte {
	o := seed.Order(id, rng)
	o.PlacedAt = when
	data, _ := json.Marshal(o)
	return data
}

func prefill(ctx context.Context, cl *kgo.Client, topic string, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 5000
	for i := 0; i < n; i += batch {
		var rs []*kgo.Record
		for j := i; j < min(i+batch, n); j++ {
			id := fmt.Sprintf("ord-%07d", j)
			rs = append(rs, &kgo.Record{Topic: topic, Key: []byte(id), Value: order(id, rng, time.Now().UTC()),
				Headers: []kgo.RecordHeader{{Key: "correlation_id", Value: []byte("bench-" + id)}}})
		}
		if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
			return err
		}
	}
	return nil
}

func endOffsets(ctx context.Context, cl *kgo.Client, topic string) (int64, error) {
	offs, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	var sum int64
	offs.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	return sum, nil
}

// latency runs a fresh contender under an open-loop load of rate orders/s.
// Each order carries its intended send time; the delay to its notification is
// measured, after a warm-up of the first fifth of the run.
func latency(ctx context.Context, cl *kgo.Client, c contender, o options, rate int) (latencyResult, error) {
	lr := latencyResult{Rate: rate}
	prefix := fmt.Sprintf("bench-%s-lat%d-%d-", c.name, rate, time.Now().Unix())
	t := topicsFor(prefix)
	if err := createTopics(ctx, cl, t, o.Partitions); err != nil {
		return lr, err
	}
	defer deleteTopics(cl, t)
	defer os.Remove(gatewayStore(prefix))
	procs, err := start(c, o, prefix)
	if err != nil {
		return lr, err
	}
	defer procs.stop()
	sampler := newSampler(procs, nil)
	sampler.markStart()

	consumer, err := kgo.NewClient(kgo.SeedBrokers(o.Brokers...), kgo.ConsumeTopics(t.notifications), kgo.FetchMaxWait(10*time.Millisecond),
		kgo.FetchIsolationLevel(kgo.ReadCommitted())) // an order is through once a downstream consumer can see it
	if err != nil {
		return lr, err
	}
	defer consumer.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	warm := time.Now().Add(time.Hour) // set when the load starts
	received, duplicates, probed := 0, 0, false
	seen := map[string]bool{}
	var consumed sync.WaitGroup
	consumed.Add(1)
	go func() {
		defer consumed.Done()
		for runCtx.Err() == nil {
			fs := consumer.PollFetches(runCtx)
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) {
				var v struct {
					PlacedAt time.Time `json:"placed_at"`
				}
				if json.Unmarshal(r.Value, &v) != nil {
					return
				}
				mu.Lock()
				if !strings.HasPrefix(string(r.Key), "lat-") {
					probed = true
					mu.Unlock()
					return
				}
				if seen[string(r.Key)] {
					duplicates++ // not received twice, not timed twice
					mu.Unlock()
					return
				}
				seen[string(r.Key)] = true
				received++
				if v.PlacedAt.After(warm) {
					lat = append(lat, now.Sub(v.PlacedAt))
				}
				mu.Unlock()
			})
		}
	}()

	// The clock starts once the contender is up: a probe order has come
	// through all three hops.
	probeDeadline := time.Now().Add(time.Minute)
	for i := 0; ; i++ {
		mu.Lock()
		up := probed
		mu.Unlock()
		if up {
			break
		}
		if err := procs.failed(); err != nil {
			return lr, err
		}
		if time.Now().After(probeDeadline) {
			return lr, fmt.Errorf("no probe order came through within a minute")
		}
		id := fmt.Sprintf("probe-%d-%d", rate, i)
		cl.Produce(runCtx, &kgo.Record{Topic: t.orders, Key: []byte(id), Value: order(id, rand.New(rand.NewPCG(5, 6)), time.Now().UTC())}, nil)
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	warm = time.Now().Add(o.LatencyFor / 5)
	mu.Unlock()
	rng := rand.New(rand.NewPCG(3, 4))
	var acked, failed atomic.Int64 // an order counts as sent once the brokers acknowledged it
	sent := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
		} else {
			acked.Add(1)
		}
	}
	begin := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := 0; ; i++ {
		intended := begin.Add(time.Duration(i) * interval)
		if intended.Sub(begin) >= o.LatencyFor {
			break
		}
		if d := time.Until(intended); d > 0 {
			time.Sleep(d)
		}
		id := fmt.Sprintf("lat-%d-%07d", rate, i)
		cl.Produce(runCtx, &kgo.Record{Topic: t.orders, Key: []byte(id), Value: order(id, rng, intended.UTC())}, sent)
	}
	if err := cl.Flush(runCtx); err != nil {
		return lr, err
	}
	lr.Sent, lr.Failed = int(acked.Load()), int(failed.Load())
	// Let the tail arrive.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := received >= lr.Sent
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	consumed.Wait()
	sampler.stop()
	if err := procs.failed(); err != nil {
		return lr, err
	}
	mu.Lock()
	defer mu.Unlock()
	lr.Received, lr.Duplicates = received, duplicates
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)].Microseconds()) / 1000
	}
	lr.P50ms, lr.P99ms, lr.P999ms = q(0.50), q(0.99), q(0.999)
	lr.SteadyRSS = sampler.median()
	fmt.Printf("   latency at %d orders/s: p50 %s ms, p99 %s ms, p99.9 %s ms (%d/%d received, %d duplicates, %d failed to send), steady RSS %.1f MiB\n",
		rate, ms(lr.P50ms), ms(lr.P99ms), ms(lr.P999ms), lr.Received, lr.Sent, lr.Duplicates, lr.Failed, lr.SteadyRSS)
	return lr, nil
}
