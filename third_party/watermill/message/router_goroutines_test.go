package message_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// fedSubscriber hands the router the messages sent on its channel, which
// Close closes.
type fedSubscriber struct {
	ch   chan *message.Message
	once *sync.Once
}

func (s fedSubscriber) Subscribe(context.Context, string) (<-chan *message.Message, error) {
	return s.ch, nil
}

func (s fedSubscriber) Close() error {
	s.once.Do(func() { close(s.ch) })
	return nil
}

// goroutineID is the running goroutine's number, read from its stack header.
func goroutineID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	return id
}

// runRouter runs a router with cfg and one handler h fed by the returned
// channel; stop closes the router and waits for Run to return.
func runRouter(t *testing.T, cfg message.RouterConfig, h message.NoPublishHandlerFunc) (feed chan *message.Message, stop func()) {
	t.Helper()
	router, err := message.NewRouter(cfg, watermill.NopLogger{})
	require.NoError(t, err)
	feed = make(chan *message.Message)
	router.AddNoPublisherHandler("h", "topic", fedSubscriber{feed, &sync.Once{}}, h)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		assert.NoError(t, router.Run(context.Background()))
	}()
	<-router.Running()
	return feed, func() {
		require.NoError(t, router.Close())
		<-ran
	}
}

// waitAcked fails unless msg is acked (true) or nacked (false) within 5 s.
func waitSettled(t *testing.T, msg *message.Message, acked bool) {
	t.Helper()
	select {
	case <-msg.Acked():
		assert.True(t, acked, "message %s acked", msg.UUID)
	case <-msg.Nacked():
		assert.False(t, acked, "message %s nacked", msg.UUID)
	case <-time.After(5 * time.Second):
		t.Fatalf("message %s neither acked nor nacked", msg.UUID)
	}
}

// With IdleHandlerGoroutines, messages handled one after another run on the
// same goroutine, and the handler's error and panic still nack.
func TestRouter_IdleHandlerGoroutines_reuses_goroutines(t *testing.T) {
	var mu sync.Mutex
	ids := map[uint64]int{}
	feed, stop := runRouter(t, message.RouterConfig{IdleHandlerGoroutines: 2}, func(msg *message.Message) error {
		mu.Lock()
		ids[goroutineID()]++
		mu.Unlock()
		switch string(msg.Payload) {
		case "error":
			return errors.New("failed")
		case "panic":
			panic("handler panicked")
		}
		return nil
	})
	defer stop()

	for i := range 100 {
		payload := "ok"
		switch i % 10 {
		case 3:
			payload = "error"
		case 7:
			payload = "panic"
		}
		msg := message.NewMessage(strconv.Itoa(i), []byte(payload))
		feed <- msg
		waitSettled(t, msg, payload == "ok")
	}

	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, len(ids), 3, "100 messages, one at a time, ran on %d goroutines", len(ids))
}

// The idle bound is not a bound on concurrency: more messages than idle
// goroutines are handled at once, as without the option.
func TestRouter_IdleHandlerGoroutines_does_not_bound_concurrency(t *testing.T) {
	const inFlight = 20
	var started sync.WaitGroup
	started.Add(inFlight)
	release := make(chan struct{})
	feed, stop := runRouter(t, message.RouterConfig{IdleHandlerGoroutines: 2}, func(msg *message.Message) error {
		started.Done()
		<-release
		return nil
	})
	defer stop()

	msgs := make([]*message.Message, inFlight)
	for i := range msgs {
		msgs[i] = message.NewMessage(strconv.Itoa(i), nil)
		feed <- msgs[i]
	}
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(5 * time.Second):
		t.Fatalf("fewer than %d messages were in the handler at once", inFlight)
	}
	close(release)
	for _, msg := range msgs {
		waitSettled(t, msg, true)
	}
}

// Every goroutine the handler kept ends with the router.
func TestRouter_IdleHandlerGoroutines_end_with_the_router(t *testing.T) {
	before := runtime.NumGoroutine()
	feed, stop := runRouter(t, message.RouterConfig{IdleHandlerGoroutines: 8}, func(msg *message.Message) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	var msgs []*message.Message
	for i := range 50 {
		msg := message.NewMessage(strconv.Itoa(i), nil)
		feed <- msg
		msgs = append(msgs, msg)
	}
	for _, msg := range msgs {
		waitSettled(t, msg, true)
	}
	stop()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left after the router closed")
}

func TestRouterConfig_IdleHandlerGoroutines_not_negative(t *testing.T) {
	_, err := message.NewRouter(message.RouterConfig{IdleHandlerGoroutines: -1}, watermill.NopLogger{})
	assert.Error(t, err)
}
