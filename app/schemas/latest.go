package schemas

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/twmb/franz-go/pkg/sr"
)

// Latest is the latest schema registered under a subject, compiled: what a
// replay checks a letter against before it sends it back, since the
// contract may have moved on since the letter failed.
type Latest struct {
	Subject string
	Version int
	schema  *jsonschema.Schema
}

// ErrNoSubject is a subject the registry does not hold.
var ErrNoSubject = errors.New("the registry holds no schema under it")

// Latest reads and compiles subject's latest schema. The error is for a
// registry that could not be asked, or a subject it does not hold
// (ErrNoSubject).
func (r *Registry) Latest(ctx context.Context, subject string) (*Latest, error) {
	latest, err := r.client.SchemaByVersion(ctx, subject, -1)
	if is(err, sr.ErrSubjectNotFound) || is(err, sr.ErrVersionNotFound) {
		return nil, fmt.Errorf("%s: %w", subject, ErrNoSubject)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s's latest version: %w", subject, err)
	}
	compiled, err := compile(latest.ID, []byte(latest.Schema.Schema))
	if err != nil {
		return nil, err
	}
	return &Latest{Subject: subject, Version: latest.Version, schema: compiled}, nil
}

// Refuses validates payload, plain JSON or in the Confluent wire format,
// and returns the refusal, or nil when l accepts it.
func (l *Latest) Refuses(payload []byte) *RefusedError {
	var confluent sr.ConfluentHeader
	if _, body, err := confluent.DecodeID(payload); err == nil {
		payload = body
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return &RefusedError{Subject: l.Subject, Version: l.Version, Problems: []string{"the payload: not JSON"}}
	}
	var verr *jsonschema.ValidationError
	if err := l.schema.Validate(inst); errors.As(err, &verr) {
		return &RefusedError{Subject: l.Subject, Version: l.Version, Problems: problems(verr)}
	}
	return nil
}
