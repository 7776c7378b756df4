package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Slow and many HTTP clients against serve (on the embedded broker: this is
// about the HTTP server, not delivery). 40 clients send POST /orders headers,
// then a body byte every 500 ms: each is cut off within http.read_timeout,
// while /healthz answers in under a second throughout. Then a burst of 100
// connections, past http.max_connections: each gets an answer (202, 408, 503)
// or is closed, none hangs. Memory stays bounded.
func TestSlowHTTPClientsAreCutOff(t *testing.T) {
	const readTimeout = 2 * time.Second
	serve, out := orderflow(t, []string{
		"ORDERFLOW_KAFKA_EMBEDDED=true", "ORDERFLOW_KAFKA_BROKERS=127.0.0.1:0,127.0.0.1:0,127.0.0.1:0",
		"ORDERFLOW_HTTP_ADDR=127.0.0.1:0", "ORDERFLOW_HTTP_READ_TIMEOUT=" + readTimeout.String(),
		"ORDERFLOW_HTTP_MAX_IN_FLIGHT=30", "ORDERFLOW_HTTP_MAX_CONNECTIONS=60",
		"ORDERFLOW_GATEWAY_STORE_PATH=" + filepath.Join(t.TempDir(), "gateway.jsonl"),
	}, "serve")
	addr := awaitOutput(t, out, `msg="http endpoints" url=http://(\S+)`, time.Minute)
	rssBefore := rss(t, serve.Process.Pid)

	// Health, on a fresh connection every 200 ms, until stopped.
	stopHealth := make(chan struct{})
	healthDone := make(chan []string)
	go func() {
		client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		var problems []string
		var slowest time.Duration
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopHealth:
				t.Logf("RESULT /healthz during 40 slow clients: slowest answer %s", slowest.Round(time.Millisecond))
				healthDone <- problems
				return
			case <-tick.C:
				began := time.Now()
				resp, err := client.Get("http://" + addr + "/healthz")
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				resp.Body.Close()
				slowest = max(slowest, time.Since(began))
				if resp.StatusCode != http.StatusOK {
					problems = append(problems, fmt.Sprintf("status %d", resp.StatusCode))
				}
			}
		}
	}()

	slow := slowClients(t, addr, 40)
	close(stopHealth)
	if problems := <-healthDone; len(problems) > 0 {
		t.Errorf("/healthz failed %d times while slow clients held the server, e.g. %s", len(problems), problems[0])
	}
	var longest time.Duration
	for i, took := range slow {
		longest = max(longest, took)
		if took > readTimeout+2*time.Second {
			t.Errorf("slow client %d held its connection %s, want it closed within read_timeout %s (+2 s)", i, took, readTimeout)
		}
	}
	t.Logf("RESULT 40 slow-body clients: each closed by the server, the longest after %s (read_timeout %s)", longest.Round(10*time.Millisecond), readTimeout)

	burst := slowClients(t, addr, 100)
	longest = 0
	for i, took := range burst {
		longest = max(longest, took)
		if took > 5*time.Second {
			t.Errorf("burst client %d: no answer or close for %s", i, took)
		}
	}
	rssAfter := rss(t, serve.Process.Pid)
	t.Logf("RESULT burst of 100 slow clients over max_connections 60: every one answered or closed, the longest after %s; RSS %d MiB before, %d MiB after",
		longest.Round(10*time.Millisecond), rssBefore>>20, rssAfter>>20)
	if rssAfter-rssBefore > 100<<20 {
		t.Errorf("RSS grew from %d to %d MiB", rssBefore>>20, rssAfter>>20)
	}
}

// slowClients opens n connections at once; each sends POST /orders headers and
// then one body byte every 500 ms until the server answers or closes. It
// returns how long each connection lived.
func slowClients(t *testing.T, addr string, n int) []time.Duration {
	t.Helper()
	took := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			began := time.Now()
			defer func() { took[i] = time.Since(began) }()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				return // refused: never a hang
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // the test's own bound: a hang shows as ~10 s
			if _, err := io.WriteString(c, "POST /orders HTTP/1.1\r\nHost: orderflow\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"); err != nil {
				return
			}
			ended := make(chan struct{})
			go func() { _, _ = io.Copy(io.Discard, c); close(ended) }() // until the server closes
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ended:
					return
				case <-tick.C:
					_, _ = c.Write([]byte("{"))
				}
			}
		}()
	}
	wg.Wait()
	return took
}

// rss is the process's resident set in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
