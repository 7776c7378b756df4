package deadletter

import (
	"context"
	"errors"
	"fmt"

	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/events"
)

// revalidate refuses, with a schema registry (reg; nil: none), each
// result not refused yet whose payload the latest schema of its subject no
// longer accepts: a replay sends a letter back to a pipeline that reads
// today's contract, and one it would refuse again is better named now. A
// letter that names no subject (no schema headers, no event_type header) is
// left to the pipeline's decoder; one whose subject the registry does not
// hold (an unknown event_type, a forged schema_subject) is refused, and
// says so. Only a registry that cannot be asked stops the replay, before
// anything is sent.
func revalidate(ctx context.Context, reg *schemas.Registry, out []ReplayResult) error {
	if reg == nil {
		return nil
	}
	latest := map[string]*schemas.Latest{} // one lookup per subject
	for i := range out {
		r := &out[i]
		subject := subjectOf(r.Letter)
		if r.Refused != "" || subject == "" {
			continue
		}
		l, ok := latest[subject]
		if !ok {
			var err error
			l, err = reg.Latest(ctx, subject)
			if err != nil && !errors.Is(err, schemas.ErrNoSubject) {
				return fmt.Errorf("re-validate %s before replaying it: %w", r.Letter.UUID, err)
			}
			latest[subject] = l // nil: no such subject
		}
		if l == nil {
			r.Refused = "no schema to re-validate it against: the registry holds no subject " + subject
			continue
		}
		if refused := l.Refuses(r.Letter.Payload); refused != nil {
			r.Refused = "no longer valid against the latest schema: " + refused.Error()
		}
	}
	return nil
}

// subjectOf is the subject d's message was written under: its
// schema_subject header, else <topic>-<event_type>; "" when it names neither.
func subjectOf(d Letter) string {
	if d.SchemaSubject != "" {
		return d.SchemaSubject
	}
	if t := d.Headers[events.HeaderType]; t != "" && d.Topic != "" {
		return d.Topic + "-" + t
	}
	return ""
}
