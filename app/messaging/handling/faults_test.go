package handling

import (
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/events"
)

// seed's fault header reaches the gateway (through the context) only with
// faults.inject on; off, the chain has no middleware that reads it.
func TestInjectFaults(t *testing.T) {
	run := func(inject bool, header string) (faults.Fault, error) {
		var seen faults.Fault
		msg := message.NewMessage("m-1", []byte("{}"))
		if header != "" {
			msg.Metadata.Set(faults.Header, header)
		}
		var h message.HandlerFunc = func(m *message.Message) ([]*message.Message, error) {
			seen = faults.From(m.Context())
			return nil, nil
		}
		dl := newDeadLetter(t, DeadLetterConfig{Publisher: &sizedPublisher{limit: 1 << 20}, Topic: "dlq", MaxBytes: 1 << 20})
		mw := Chain(ChainConfig{Retry: config.Default().Retry, Timeout: time.Second, DeadLetter: dl, InjectFaults: inject})
		for i := len(mw) - 1; i >= 0; i-- {
			h = mw[i](h)
		}
		_, err := h(msg)
		return seen, err
	}
	if f, err := run(true, "panic"); f != faults.Panic || err != nil {
		t.Errorf("inject on, panic header: fault %q, err %v; want panic", f, err)
	}
	if f, err := run(true, ""); f != faults.None || err != nil {
		t.Errorf("inject on, no header: fault %q, err %v; want none", f, err)
	}
	if f, _ := run(true, "meteor"); f != faults.None {
		t.Errorf("inject on, unknown fault: reached the handler as %q; want a permanent error before it", f)
	}
	if _, err := injectFaults(func(*message.Message) ([]*message.Message, error) { return nil, nil })(withHeader("meteor")); !events.IsPermanent(err) ||
		!strings.Contains(err.Error(), `seed_fault header "meteor" is not one of flaky, fail, panic`) {
		t.Errorf("unknown fault: %v; want a permanent error naming it", err)
	}
	if f, err := run(false, "panic"); f != faults.None || err != nil {
		t.Errorf("inject off: fault %q, err %v; want the header ignored", f, err)
	}
}

func withHeader(v string) *message.Message {
	msg := message.NewMessage("m-1", []byte("{}"))
	msg.Metadata.Set(faults.Header, v)
	return msg
}
