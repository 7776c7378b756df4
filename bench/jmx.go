package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// brokerCounts are the local brokers' request and byte counters, summed over
// the brokers: what a contender's traffic asks of them, so request patterns
// are seen rather than guessed.
type brokerCounts struct {
	Produce  float64 // produce requests
	Fetch    float64 // consumers' fetch requests
	Follower float64 // followers' fetch requests (replication)
	Records  float64 // records appended by leaders
	Bytes    float64 // bytes appended by leaders, batch headers included
}

func (c brokerCounts) sub(o brokerCounts) brokerCounts {
	return brokerCounts{c.Produce - o.Produce, c.Fetch - o.Fetch, c.Follower - o.Follower, c.Records - o.Records, c.Bytes - o.Bytes}
}

// jmxObjects are what JmxTool reads from each broker. The request metrics
// carry a version tag, and a version's MBean exists only once a request of it
// arrived: the watch starts after the contender's warm-up, when its versions
// and the load generator's are known to the brokers.
var jmxObjects = []string{
	"kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,*",
	"kafka.network:type=RequestMetrics,name=RequestsPerSec,request=FetchConsumer,*",
	"kafka.network:type=RequestMetrics,name=RequestsPerSec,request=FetchFollower,*",
	"kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec",
	"kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec",
}

// brokerWatch runs one JmxTool per local broker (deploy/kafka/up.sh opens JMX
// on the client port + 20000, 127.0.0.1 only), each printing the counters every
// 500 ms, and keeps the readings, so the counts at any moment of a drain are
// interpolated between two of them.
type brokerWatch struct {
	cmds     []*exec.Cmd
	mu       sync.Mutex
	readings [][]reading // per broker, in time order
	done     sync.WaitGroup
}

type reading struct {
	at time.Time
	c  brokerCounts
}

// watchBrokers starts the watch, or returns nil when a broker's JMX port does
// not answer (brokers not started by deploy/kafka/up.sh) or the jars are not
// there: the report then shows no request counts.
func watchBrokers(brokers []string) *brokerWatch {
	if _, err := os.Stat(".kafka/lib"); err != nil {
		return nil
	}
	w := &brokerWatch{readings: make([][]reading, len(brokers))}
	for i, b := range brokers {
		host, port, err := net.SplitHostPort(b)
		p, _ := strconv.Atoi(port)
		if err != nil || p == 0 {
			w.stop()
			return nil
		}
		jmx := net.JoinHostPort(host, strconv.Itoa(p+20000))
		if c, err := net.DialTimeout("tcp", jmx, time.Second); err != nil {
			w.stop()
			return nil
		} else {
			c.Close()
		}
		args := []string{"-cp", ".kafka/lib/*", "org.apache.kafka.tools.JmxTool",
			"--jmx-url", "service:jmx:rmi:///jndi/rmi://" + jmx + "/jmxrmi", "--attributes", "Count", "--reporting-interval", "500"}
		for _, o := range jmxObjects {
			args = append(args, "--object-name", o)
		}
		cmd := exec.Command("java", args...)
		out, err := cmd.StdoutPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			w.stop()
			return nil
		}
		w.cmds = append(w.cmds, cmd)
		w.done.Add(1)
		go func() { // ends when the JmxTool process does (stop)
			defer w.done.Done()
			w.read(i, bufio.NewScanner(out))
		}()
	}
	return w
}

// read parses JmxTool's output: a header of quoted column names, then one
// line of values per report, the first column the time in epoch milliseconds.
func (w *brokerWatch) read(broker int, sc *bufio.Scanner) {
	var kinds []func(*brokerCounts, float64)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, `"`) {
			kinds = nil
			for _, name := range strings.Split(strings.Trim(line, `"`), `","`) {
				kinds = append(kinds, counterOf(name))
			}
			continue
		}
		fields := strings.Split(line, ",")
		if len(kinds) == 0 || len(fields) != len(kinds) {
			continue
		}
		ms, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		r := reading{at: time.UnixMilli(ms)}
		for i, f := range fields[1:] {
			if v, err := strconv.ParseFloat(f, 64); err == nil && kinds[i+1] != nil {
				kinds[i+1](&r.c, v)
			}
		}
		w.mu.Lock()
		w.readings[broker] = append(w.readings[broker], r)
		w.mu.Unlock()
	}
}

// counterOf says which count a JmxTool column adds to (nil: none, the time).
func counterOf(column string) func(*brokerCounts, float64) {
	switch {
	case strings.Contains(column, "request=Produce,"):
		return func(c *brokerCounts, v float64) { c.Produce += v }
	case strings.Contains(column, "request=FetchConsumer,"):
		return func(c *brokerCounts, v float64) { c.Fetch += v }
	case strings.Contains(column, "request=FetchFollower,"):
		return func(c *brokerCounts, v float64) { c.Follower += v }
	case strings.Contains(column, "name=MessagesInPerSec"):
		return func(c *brokerCounts, v float64) { c.Records += v }
	case strings.Contains(column, "name=BytesInPerSec"):
		return func(c *brokerCounts, v float64) { c.Bytes += v }
	}
	return nil
}

// at is the brokers' counts at t, each broker's interpolated between its
// readings on either side of t; ok is false if a broker has none after t.
func (w *brokerWatch) at(t time.Time) (sum brokerCounts, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, rs := range w.readings {
		i := 0
		for i < len(rs) && rs[i].at.Before(t) {
			i++
		}
		if i == len(rs) || (i == 0 && !rs[0].at.Equal(t)) {
			return brokerCounts{}, false
		}
		a, b := rs[max(i-1, 0)], rs[i]
		f := 0.0
		if span := b.at.Sub(a.at); span > 0 {
			f = float64(t.Sub(a.at)) / float64(span)
		}
		lerp := func(x, y float64) float64 { return x + f*(y-x) }
		sum.Produce += lerp(a.c.Produce, b.c.Produce)
		sum.Fetch += lerp(a.c.Fetch, b.c.Fetch)
		sum.Follower += lerp(a.c.Follower, b.c.Follower)
		sum.Records += lerp(a.c.Records, b.c.Records)
		sum.Bytes += lerp(a.c.Bytes, b.c.Bytes)
	}
	return sum, true
}

// between is the counts from start to end, once a reading after end is in
// (at most a second's wait).
func (w *brokerWatch) between(start, end time.Time) (brokerCounts, error) {
	deadline := time.Now().Add(time.Second)
	for {
		a, okA := w.at(start)
		b, okB := w.at(end)
		if okA && okB {
			return b.sub(a), nil
		}
		if time.Now().After(deadline) {
			return brokerCounts{}, fmt.Errorf("JmxTool has no readings around %s–%s", start.Format(time.TimeOnly), end.Format(time.TimeOnly))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the JmxTool processes and their readers.
func (w *brokerWatch) stop() {
	if w == nil {
		return
	}
	for _, c := range w.cmds {
		_ = c.Process.Kill()
	}
	w.done.Wait()
	for _, c := range w.cmds {
		_ = c.Wait()
	}
}
