package handling

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/events"
)

// seed's fault header reaches the gateway (through the context) only with
// faults.inject on; off, it is ignored and logged once.
func TestInjectFaults(t *testing.T) {
	run := func(mw message.HandlerMiddleware, header string) (faults.Fault, error) {
		var seen faults.Fault
		msg := message.NewMessage("m-1", []byte("{}"))
		if header != "" {
			msg.Metadata.Set(faults.Header, header)
		}
		_, err := mw(func(m *message.Message) ([]*message.Message, error) {
			seen = faults.From(m.Context())
			return nil, nil
		})(msg)
		return seen, err
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	on := injectFaults(true, log)
	if f, err := run(on, "panic"); f != faults.Panic || err != nil {
		t.Errorf("inject on, panic header: fault %q, err %v; want panic", f, err)
	}
	if f, err := run(on, ""); f != faults.None || err != nil {
		t.Errorf("inject on, no header: fault %q, err %v; want none", f, err)
	}
	if _, err := run(on, "meteor"); !events.IsPermanent(err) || !strings.Contains(err.Error(), `seed_fault header "meteor" is not one of flaky, fail, panic`) {
		t.Errorf("inject on, unknown fault: %v; want a permanent error naming it", err)
	}

	off := injectFaults(false, log)
	for range 3 {
		if f, err := run(off, "panic"); f != faults.None || err != nil {
			t.Errorf("inject off: fault %q, err %v; want the header ignored", f, err)
		}
	}
	if n := strings.Count(logs.String(), "faults.inject is off"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}
