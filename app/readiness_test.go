package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

func TestReadinessFollowsGroupsAndBrokers(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { readinessFollowsGroupsAndBrokers(t, testkit.OwnEmbedded(t)) })
	t.Run("kafka", func(t *testing.T) { readinessFollowsGroupsAndBrokers(t, testkit.OwnKafka(t)) })
}

// /readyz is 503 while a consumer group has not joined, 200 once every group
// has, 503 again when the brokers stop, and 200 when they are back. A member
// that does not give its partitions up holds the payments group's rebalance,
// so the app's payments consumer cannot join until it lets go: "not joined"
// is a state the test holds, not a moment it hopes to catch.
func readinessFollowsGroupsAndBrokers(t *testing.T, c testkit.Owned) {
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	hold := holdGroup(t, c.Cluster, config.StepPayments, c.Cfg.Topics.Orders)

	var srv *httpserver.Server
	testkit.StartApp(t, c.Cfg, fx.Populate(&srv))
	readyz := "http://" + srv.Addr() + "/readyz"

	select {
	case <-hold.rebalancing:
	case <-time.After(30 * time.Second):
		t.Fatal("the app's payments consumer did not ask to join within 30s")
	}
	waitReadyz(t, readyz, "only the held group not joined", func(code int, body string) bool {
		return code == 503 && strings.Contains(body, "consumer group payments has not joined") &&
			!strings.Contains(body, "shipping") && !strings.Contains(body, "notifications")
	})

	hold.release()
	waitReadyz(t, readyz, "ready once every group joined, saying how it delivers", func(code int, body string) bool {
		return code == 200 && strings.HasPrefix(body, "ready\n") && strings.Contains(body, "delivery: at_least_once, kafka.client: franz")
	})

	c.Stop()
	waitReadyz(t, readyz, "not ready with the brokers stopped", func(code int, body string) bool {
		return code == 503 && strings.Contains(body, c.Brokers[0])
	})

	if c.Start == nil {
		return // the embedded broker's data is gone with it
	}
	c.Start()
	waitReadyz(t, readyz, "ready again with the brokers back", func(code int, body string) bool {
		return code == 200 && strings.HasPrefix(body, "ready\n")
	})
}

// waitReadyz polls url until want holds for its answer, for up to 45 s: under
// the groups' 60 s rebalance timeout, after which the held member is evicted.
func waitReadyz(t *testing.T, url, what string, want func(code int, body string) bool) {
	t.Helper()
	testkit.WaitFor(t, 45*time.Second, "/readyz "+what, func() (bool, string) {
		resp, err := http.Get(url)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return want(resp.StatusCode, string(body)), resp.Status + ": " + string(body)
	})
}

// heldGroup is a member of a consumer group that keeps its partitions through
// a rebalance until released.
type heldGroup struct {
	claimed, rebalancing chan struct{}
	release              func()
	let                  chan struct{}
	onceClaimed, onceReb sync.Once
}

func (h *heldGroup) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *heldGroup) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *heldGroup) ConsumeClaim(s sarama.ConsumerGroupSession, _ sarama.ConsumerGroupClaim) error {
	h.onceClaimed.Do(func() { close(h.claimed) })
	<-s.Context().Done() // a rebalance began: another member asked to join
	h.onceReb.Do(func() { close(h.rebalancing) })
	<-h.let
	return nil
}

// holdGroup joins group on topic and holds it once another member asks to join.
func holdGroup(t *testing.T, c testkit.Cluster, group, topic string) *heldGroup {
	t.Helper()
	cg, err := sarama.NewConsumerGroup(c.Brokers, group, c.Conn(t).Sarama())
	if err != nil {
		t.Fatal(err)
	}
	h := &heldGroup{claimed: make(chan struct{}), rebalancing: make(chan struct{}), let: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cg.Consume(ctx, []string{topic}, h) // one session: it leaves after the rebalance it held
	}()
	h.release = sync.OnceFunc(func() {
		close(h.let)
		cancel()
		<-done
		if err := cg.Close(); err != nil {
			t.Errorf("close the held group: %v", err)
		}
	})
	t.Cleanup(h.release)
	select {
	case <-h.claimed:
	case <-done:
		t.Fatal("the holding member left before it was given partitions")
	case <-time.After(30 * time.Second):
		t.Fatal("the holding member got no partitions within 30s")
	}
	return h
}
