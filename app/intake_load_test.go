package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// TestIntakeUnderLoad: 200 concurrent HTTP clients, each posting an order
// every 200 ms for INTAKE_LOAD (e.g. 30s): every order is answered 202, is in
// the orders topic once, and settles; the answer times' p50/p99/p99.9 are
// logged as RESULT. It runs only when INTAKE_LOAD is set (.ci/run sets it).
func TestIntakeUnderLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("INTAKE_LOAD"))
	if err != nil {
		t.Skip("INTAKE_LOAD is not set: INTAKE_LOAD=30s go test ./app -run IntakeUnderLoad -v")
	}
	clusters(t, func(t *testing.T, c testkit.Cluster) { intakeUnderLoad(t, c, d) })
}

func intakeUnderLoad(t *testing.T, c testkit.Cluster, d time.Duration) {
	const clients, every = 200, 200 * time.Millisecond
	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	url := "http://" + srv.Addr() + "/orders"
	tr := testkit.Track(t, c)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}

	var (
		mu       sync.Mutex
		accepted []string
		took     []time.Duration
		refused  = map[int]int{}
		wg       sync.WaitGroup
	)
	end := time.Now().Add(d)
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(every)
			defer tick.Stop()
			for i := 0; time.Now().Before(end); i++ {
				id := fmt.Sprintf("load-%03d-%05d", cl, i)
				body := `{"order_id":"` + id + `","customer_id":"cus-1","email":"ada@example.com","currency":"EUR",` +
					`"items":[{"sku":"A","quantity":2,"price_cents":150}],"total_cents":300}`
				start := time.Now()
				resp, err := client.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					t.Errorf("%s: %v", id, err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				if resp.StatusCode == http.StatusAccepted {
					accepted = append(accepted, id)
					took = append(took, time.Since(start))
				} else {
					refused[resp.StatusCode]++
				}
				mu.Unlock()
				<-tick.C
			}
		}()
	}
	wg.Wait()
	if len(refused) > 0 {
		t.Errorf("answers other than 202: %v", refused)
	}
	testkit.WaitSettled(t, tr, accepted, 3*time.Minute)
	perKey := map[string]int{}
	if err := kafkaclient.ReadToEnd(context.Background(), c.Conn(t), c.Cfg.Topics.Orders, func(r kafkaclient.Record) error {
		perKey[string(r.Key)]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range accepted {
		if perKey[id] != 1 {
			t.Errorf("%s is in the orders topic %d times, want 1", id, perKey[id])
		}
	}
	slices.Sort(took)
	q := func(p float64) time.Duration {
		return took[min(int(p*float64(len(took))), len(took)-1)].Round(100 * time.Microsecond)
	}
	t.Logf("RESULT intake under load: %d clients for %s, %d orders accepted (%.0f/s), 0 lost, answer p50 %s, p99 %s, p99.9 %s",
		clients, d, len(accepted), float64(len(accepted))/d.Seconds(), q(0.5), q(0.99), q(0.999))
}
