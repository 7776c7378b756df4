package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/console"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// realLetters is how many letters the real-topic check writes (10,000;
// CONSOLE_REAL_LETTERS=100000 for the full size): the 100,000 of
// TestPagesWith100kLetters go straight into the index, these through the
// brokers.
func realLetters(t *testing.T) int {
	n, err := strconv.Atoi(os.Getenv("CONSOLE_REAL_LETTERS"))
	if err != nil || n < 1000 {
		return 10_000
	}
	t.Logf("CONSOLE_REAL_LETTERS=%d", n)
	return n - n%1000
}

// The index follows a real dead-letter topic: it catches up with the
// letters written in batches, then the pages answer within a second.
func TestIndexFollowsARealTopic(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 10,000 letters through the brokers")
	}
	clusters(t, func(t *testing.T, c testkit.Cluster) {
		realLetters := realLetters(t)
		conn := c.Conn(t)
		if _, err := kafkaclient.EnsureTopics(conn, c.Cfg.Topics); err != nil {
			t.Fatal(err)
		}
		prod := testkit.Producer(t, c)
		began := time.Now()
		for from := 0; from < realLetters; from += 1000 {
			batch := make([]*message.Message, 0, 1000)
			for n := from; n < from+1000; n++ {
				batch = append(batch, letterMessage(n))
			}
			if err := prod.Send(c.Cfg.Topics.DeadLetter, batch...); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d letters written in %s", realLetters, time.Since(began).Round(time.Millisecond))

		x := console.NewIndex(c.Cfg.Topics.DeadLetter, 4096)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		began = time.Now()
		go func() {
			defer close(done)
			x.Follow(ctx, conn, slog.New(slog.DiscardHandler))
		}()
		t.Cleanup(func() { cancel(); <-done })
		testkit.WaitFor(t, time.Minute, "the index catches up", func() (bool, string) {
			s := x.Status()
			return s.Current && s.Letters == realLetters, fmt.Sprintf("%+v", s)
		})
		t.Logf("the index read %d letters from the topic in %s", realLetters, time.Since(began).Round(time.Millisecond))

		cfg := c.Cfg
		con, err := console.New(console.Config{Index: x, Conn: conn, Config: cfg, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(con)
		t.Cleanup(srv.Close)
		for _, path := range []string{"/console/letters", "/console/letters?kind=panic&page=3", "/console/triage", "/console/"} {
			began := time.Now()
			code, body := fetch(t, srv.URL+path)
			took := time.Since(began)
			t.Logf("GET %-36s %d %6d bytes in %s", path, code, len(body), took.Round(100*time.Microsecond))
			if code != http.StatusOK || took > time.Second {
				t.Errorf("GET %s: %d in %s, want 200 within 1 s", path, code, took)
			}
			if path == "/console/letters" && !strings.Contains(body, `<strong id="total">`+strconv.Itoa(realLetters)+`</strong>`) {
				t.Errorf("the list does not count %d letters", realLetters)
			}
		}
	})
}

// letterMessage is a dead letter as the middleware writes it: order n's.
func letterMessage(n int) *message.Message {
	order := fmt.Sprintf("ord-%06d", n)
	kind := []deadletter.Kind{deadletter.KindRetriesExhausted, deadletter.KindPermanent, deadletter.KindPanic}[n%3]
	msg := message.NewMessage(fmt.Sprintf("uuid-%06d", n), []byte(`{"order_id":"`+order+`"}`))
	for k, v := range map[string]string{
		deadletter.HeaderReason: "charge order " + order + ": injected " + string(kind), deadletter.HeaderTopic: "orders",
		deadletter.HeaderHandler: "payments", deadletter.HeaderErrorKind: string(kind), deadletter.HeaderErrorType: "*test.Error",
		deadletter.HeaderAttempts: "5", deadletter.HeaderFailedAt: time.Now().UTC().Format(time.RFC3339Nano),
	} {
		msg.Metadata.Set(k, v)
	}
	return kafkaclient.WithKey(msg, order)
}
