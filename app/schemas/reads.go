package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/orderflow/orderflow/events"
)

// read is a schema ID an input carried, as the registry holds it.
type read struct {
	// under lists the subjects and versions the schema is registered as
	// (one text may be registered under several subjects, with one ID).
	under []Stamp
	// builtIn is the event type whose schema, compiled into this build, this
	// one is; "" for any other.
	builtIn string
	// schema is the registry's schema, compiled: for an input of another
	// event type than builtIn.
	schema *jsonschema.Schema
}

// RefusedError says an input broke the registered schema whose ID it
// carries: which subject and version, and each member it refuses (as the
// decoder names members: items[0].quantity) with why.
type RefusedError struct {
	Subject  string
	Version  int
	Problems []string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("schema %s version %d refuses %s", e.Subject, e.Version, strings.Join(e.Problems, "; "))
}

// Check validates body, the plain JSON of an input of eventType, against the
// registered schema id and returns that schema's subject and version.
//
// When id is the schema of eventType compiled into this build, the strict
// decoder is the validation and Check does none: the decoder refuses what
// that schema refuses, with the same member named, as the events package's
// tests hold it to; the returned Stamp says so (Ours). This build's schema
// of another event type is a permanent refusal (the record and its schema
// disagree). An ID of any other schema (a later version, another
// producer's) is fetched once, compiled and kept (up to maxForeign of
// them); a body it refuses is a permanent error, a RefusedError. An ID the registry does not hold, or
// could not be asked about (an outage), is a transient error, retried like
// any other and then dead-lettered; the registry's "not held" is
// remembered for absentFor, so the retries do not ask it again.
func (c *Catalog) Check(ctx context.Context, id int, topic, eventType string, body []byte) (Stamp, error) {
	c.mu.RLock()
	r, ok := c.reads[id]
	c.mu.RUnlock()
	if !ok {
		var err error
		if r, err = c.fetchOnce(ctx, id); err != nil {
			return Stamp{}, err
		}
	}
	s := r.as(topic, eventType)
	switch r.builtIn {
	case eventType:
		s.Ours = true
		return s, nil
	case "":
	default: // this build's schema of another event type: never validated as this one
		return s, events.Permanent(fmt.Errorf("schema ID %d is %s's; the record says %s", id, r.builtIn, eventType))
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return s, nil // not JSON: the decoder says where, in its words
	}
	var verr *jsonschema.ValidationError
	if err := r.schema.Validate(inst); errors.As(err, &verr) {
		return s, events.Permanent(&RefusedError{Subject: s.Subject, Version: s.Version, Problems: problems(verr)})
	}
	return s, nil
}

// as is the subject and version of r an input of eventType on topic was
// written with: <topic>-<EventType> if r is registered under it, else the
// first r is registered under.
func (r *read) as(topic, eventType string) Stamp {
	for _, s := range r.under {
		if n := s.Subject; len(n) == len(topic)+1+len(eventType) && strings.HasPrefix(n, topic) && n[len(topic)] == '-' && strings.HasSuffix(n, eventType) {
			return s
		}
	}
	return r.under[0]
}

// fetchOnce is fetch, one lookup per ID at a time, kept; an ID the
// registry does not hold is remembered as such for absentFor.
func (c *Catalog) fetchOnce(ctx context.Context, id int) (*read, error) {
	c.mu.RLock()
	until, absent := c.absent[id]
	c.mu.RUnlock()
	if absent && time.Now().Before(until) {
		return nil, notRegistered(id)
	}
	return shared(ctx, &c.readLookups, strconv.Itoa(id), func(ctx context.Context) (*read, error) {
		c.mu.RLock()
		r, ok := c.reads[id]
		c.mu.RUnlock()
		if ok { // kept by a lookup that ended as this one started
			return r, nil
		}
		r, err := c.fetch(ctx, id)
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case errors.Is(err, errNotRegistered):
			c.remember(id)
		case err == nil:
			c.keep(id, r)
		}
		return r, err
	})
}

// keep adds r, schema id, to the reads; past maxForeign of other producers'
// schemas, the oldest is dropped (it is fetched again if it comes back).
func (c *Catalog) keep(id int, r *read) {
	if _, known := c.reads[id]; known {
		return
	}
	c.reads[id] = r
	delete(c.absent, id)
	if r.builtIn != "" {
		return
	}
	c.foreign = append(c.foreign, id)
	if len(c.foreign) > maxForeign {
		delete(c.reads, c.foreign[0])
		c.foreign = slices.Delete(c.foreign, 0, 1)
	}
}

// remember notes that the registry does not hold id, for absentFor; past
// maxAbsent IDs the expired go first, then any.
func (c *Catalog) remember(id int) {
	now := time.Now()
	if len(c.absent) >= maxAbsent {
		for k, until := range c.absent {
			if now.After(until) || len(c.absent) >= maxAbsent {
				delete(c.absent, k)
			}
		}
	}
	c.absent[id] = now.Add(absentFor)
}

// errNotRegistered is a schema ID the registry says it does not hold:
// transient (it may be registered by the time the input is retried), and
// remembered for absentFor so that the retries do not each ask.
var errNotRegistered = errors.New("not registered")

func notRegistered(id int) error {
	return fmt.Errorf("schema ID %d is %w", id, errNotRegistered)
}

// fetch looks schema id up: its text, and the subject and version it is
// registered under.
func (c *Catalog) fetch(ctx context.Context, id int) (*read, error) {
	schema, err := c.client.SchemaByID(ctx, id)
	switch {
	case is(err, sr.ErrSchemaNotFound):
		return nil, notRegistered(id)
	case err != nil:
		return nil, fmt.Errorf("look up schema ID %d: %w", id, err)
	}
	if schema.Type != sr.TypeJSON {
		return nil, events.Permanent(fmt.Errorf("schema ID %d is a %s schema, not JSON", id, schema.Type))
	}
	versions, err := c.client.SchemaVersionsByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("look up schema ID %d's subject: %w", id, err)
	}
	if len(versions) == 0 {
		return nil, events.Permanent(fmt.Errorf("schema ID %d is under no subject", id))
	}
	r := &read{}
	for _, v := range versions {
		r.under = append(r.under, stamp(v.Subject, id, v.Version))
	}
	for _, t := range events.Types() {
		if builtIn, _ := events.Schema(t); sameJSON(builtIn, []byte(schema.Schema)) {
			r.builtIn = t
			break
		}
	}
	if r.schema, err = compile(id, []byte(schema.Schema)); err != nil {
		return nil, events.Permanent(err)
	}
	return r, nil
}

// compile compiles a JSON Schema as the events package's tests do: its
// draft from $schema (draft-07 for ours), formats asserted; a $ref to
// anything outside the schema is refused (noLoader).
func compile(id int, data []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("schema ID %d is not JSON: %w", id, err)
	}
	url := fmt.Sprintf("https://schema-registry.invalid/schemas/ids/%d", id)
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	comp.UseLoader(noLoader{})
	if err := comp.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("schema ID %d: %w", id, err)
	}
	s, err := comp.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema ID %d does not compile: %w", id, err)
	}
	return s, nil
}

// noLoader refuses every $ref outside the schema itself: a registered
// schema is anyone's text, and the compiler's default loader would read the
// local files ("$ref": "file:///…") it names.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("$ref %s: a registered schema refers to nothing outside itself", url)
}

// problems lists each member a validation refused, with why:
// "items[0].quantity: minimum: got 0, want 1".
func problems(verr *jsonschema.ValidationError) []string {
	var out []string
	for _, u := range verr.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		out = append(out, events.MemberPath(pointerTokens(u.InstanceLocation))+": "+u.Error.String())
	}
	if len(out) == 0 {
		out = []string{strings.ReplaceAll(verr.Error(), "\n", "; ")}
	}
	return out
}

// pointerTokens splits a JSON pointer (/items/0/quantity) into its tokens.
func pointerTokens(p string) []string {
	if p == "" {
		return nil
	}
	tokens := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens
}

// sameJSON reports whether a and b are the same JSON value, whatever their
// spacing and member order (a registry may store a schema reformatted).
func sameJSON(a, b []byte) bool {
	var av, bv any
	return json.Unmarshal(a, &av) == nil && json.Unmarshal(b, &bv) == nil && reflect.DeepEqual(av, bv)
}
