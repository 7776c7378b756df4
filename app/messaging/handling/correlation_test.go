package handling

import (
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/events"
)

func TestCorrelation(t *testing.T) {
	handle := func(in *message.Message) ([]*message.Message, error) {
		if got := logging.CorrelationID(in.Context()); got != in.Metadata.Get(events.HeaderCorrelationID) {
			t.Errorf("ctx carries %q, the message %q", got, in.Metadata.Get(events.HeaderCorrelationID))
		}
		return []*message.Message{message.NewMessage("out-1", nil), message.NewMessage("out-2", nil)}, nil
	}
	// The same record, as two handlers (two consumer groups) read it.
	ids := map[string]bool{}
	for range 2 {
		out, err := correlation(handle)(message.NewMessage("rec-uuid", nil))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out {
			ids[m.Metadata.Get(events.HeaderCorrelationID)] = true
		}
	}
	if len(ids) != 1 || !ids[GeneratedCorrelationPrefix+"rec-uuid"] {
		t.Errorf("outputs of one record without an ID carry %v, want the one ID derived from its UUID", ids)
	}

	given := message.NewMessage("rec-2", nil)
	given.Metadata.Set(events.HeaderCorrelationID, "corr-7")
	out, _ := correlation(handle)(given)
	for _, m := range out {
		if got := m.Metadata.Get(events.HeaderCorrelationID); got != "corr-7" || strings.HasPrefix(got, GeneratedCorrelationPrefix) {
			t.Errorf("output carries %q, want the given corr-7", got)
		}
	}
}
