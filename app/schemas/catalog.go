package schemas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/singleflight"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// Catalog is the registry as the pipeline meets it: the schema ID and
// version under which this build writes each event type to each topic, and
// the schema IDs inputs carried, each looked up once and then kept (this
// build's for the life of the process, up to maxForeign others, the oldest
// dropped first). After its first lookup nothing on a message's way asks
// the registry, so an outage leaves the pipeline running on what it cached;
// only an ID never seen before needs the registry, and waits for it as a
// transient error.
type Catalog struct {
	client   *sr.Client
	subjects []Subject // this build's

	// writeLookups and readLookups make one request per subject or ID at a
	// time, however many lanes miss it at once; each waits only as long as
	// its own ctx, and a lookup that hangs holds up only its own key.
	writeLookups, readLookups singleflight.Group

	mu      sync.RWMutex
	writes  map[written]Stamp
	reads   map[int]*read
	foreign []int             // the IDs in reads that are not this build's schemas, oldest first
	absent  map[int]time.Time // IDs the registry said it does not hold, until when that answer stands
}

const (
	// maxForeign bounds the other producers' schemas kept compiled.
	maxForeign = 256
	// maxAbsent and absentFor bound the IDs remembered as not registered,
	// so that records naming bogus IDs do not each ask the registry.
	maxAbsent = 1024
	absentFor = 30 * time.Second
)

// written is a topic and the event type written to it: one subject.
type written struct{ topic, eventType string }

// Stamp is the schema an output is written with, its header values made once.
type Stamp struct {
	Subject     string
	ID, Version int
	// IDText and VersionText are ID and Version as the headers carry them.
	IDText, VersionText string
	// Ours, from Check, says the schema is this build's of the event type
	// checked: the strict decoder's refusals are that schema's.
	Ours bool
}

// NewClient is the client of the registry cfg names, built once and handed
// to the Catalog and the Registry; an empty registry_url is an error that
// says how to get one. cfg.Timeout bounds each request.
func NewClient(cfg config.Schemas) (*sr.Client, error) {
	if cfg.RegistryURL == "" {
		return nil, errors.New("schemas.registry_url is empty: set ORDERFLOW_SCHEMAS_REGISTRY_URL to the registry's Confluent-compatible API (task registry:up starts one; docs/schemas.md)")
	}
	client, err := sr.NewClient(sr.URLs(cfg.RegistryURL), sr.UserAgent("orderflow"),
		sr.HTTPClient(&http.Client{Timeout: cfg.Timeout}))
	if err != nil {
		return nil, fmt.Errorf("schema registry %s: %w", cfg.RegistryURL, err)
	}
	return client, nil
}

// NewCatalog returns the catalog of client's registry, for this build's
// subjects on topics.
func NewCatalog(client *sr.Client, topics config.Topics) *Catalog {
	return &Catalog{client: client, subjects: Subjects(topics),
		writes: map[written]Stamp{}, reads: map[int]*read{}, absent: map[int]time.Time{}}
}

// Writes is the schema this build writes eventType to topic with: the
// registered version of its schema under the subject <topic>-<EventType>.
// A schema the subject does not hold is an error that says to register it;
// like a registry that does not answer, it is transient: retried, then
// dead-lettered.
func (c *Catalog) Writes(ctx context.Context, topic, eventType string) (Stamp, error) {
	key := written{topic, eventType}
	c.mu.RLock()
	s, ok := c.writes[key]
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	return shared(ctx, &c.writeLookups, topic+"-"+eventType, func(ctx context.Context) (Stamp, error) {
		return c.lookUpWrites(ctx, key)
	})
}

// lookUpWrites asks the registry for key's schema, and keeps it.
func (c *Catalog) lookUpWrites(ctx context.Context, key written) (Stamp, error) {
	c.mu.RLock()
	s, ok := c.writes[key]
	c.mu.RUnlock()
	if ok { // kept by a lookup that ended as this one started
		return s, nil
	}
	schema, ok := events.Schema(key.eventType)
	if !ok {
		return Stamp{}, events.Permanent(fmt.Errorf("no schema for event type %q", key.eventType))
	}
	subject := key.topic + "-" + key.eventType
	ss, err := c.client.LookupSchema(ctx, subject, sr.Schema{Schema: string(schema), Type: sr.TypeJSON})
	switch {
	case is(err, sr.ErrSubjectNotFound) || is(err, sr.ErrSchemaNotFound):
		return Stamp{}, fmt.Errorf("schema registry holds no %s schema as this build's: run orderflow schemas register", subject)
	case err != nil:
		return Stamp{}, fmt.Errorf("look up %s's schema: %w", subject, err)
	}
	s = stamp(subject, ss.ID, ss.Version)
	c.mu.Lock()
	c.writes[key] = s
	if r, known := c.reads[ss.ID]; !known {
		c.reads[ss.ID] = &read{under: []Stamp{s}, builtIn: key.eventType}
	} else if !slices.Contains(r.under, s) {
		c.reads[ss.ID] = &read{under: append(slices.Clip(r.under), s), builtIn: r.builtIn, schema: r.schema}
	}
	c.mu.Unlock()
	return s, nil
}

// shared runs lookup for key, once at a time: callers that miss key while
// it runs wait for its answer, each no longer than its own ctx. The lookup
// does not end with the caller that started it (others may wait on it);
// the registry client's timeout bounds each of its requests.
func shared[T any](ctx context.Context, g *singleflight.Group, key string, lookup func(context.Context) (T, error)) (T, error) {
	ch := g.DoChan(key, func() (any, error) { return lookup(context.WithoutCancel(ctx)) })
	select {
	case res := <-ch:
		if res.Err != nil {
			var zero T
			return zero, res.Err
		}
		return res.Val.(T), nil
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("wait for the registry's answer on %s: %w", key, context.Cause(ctx))
	}
}

func stamp(subject string, id, version int) Stamp {
	return Stamp{Subject: subject, ID: id, Version: version, IDText: strconv.Itoa(id), VersionText: strconv.Itoa(version)}
}

// WritesTo looks up every subject this build writes to topic, so that a
// step whose output is not stamped yet is not run: its side effects would
// happen again on every retry. It returns what it could not look up.
func (c *Catalog) WritesTo(ctx context.Context, topic string) error {
	var errs []error
	for _, s := range c.subjects {
		if s.Topic != topic {
			continue
		}
		if _, err := c.Writes(ctx, s.Topic, s.EventType); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Warm looks up every subject of this build, so that the first messages do
// not wait on the registry. It returns what it could not look up.
func (c *Catalog) Warm(ctx context.Context) error {
	var errs []error
	for _, s := range c.subjects {
		if _, err := c.Writes(ctx, s.Topic, s.EventType); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Resolved returns nil when every subject of this build has its schema ID,
// else an error naming those that have not: until then the steps writing
// them wait (WritesTo).
func (c *Catalog) Resolved() error {
	var missing []string
	c.mu.RLock()
	for _, s := range c.subjects {
		if _, ok := c.writes[written{s.Topic, s.EventType}]; !ok {
			missing = append(missing, s.Name)
		}
	}
	c.mu.RUnlock()
	if len(missing) > 0 {
		return fmt.Errorf("schema subjects not looked up yet (registered? orderflow schemas register): %s", strings.Join(missing, ", "))
	}
	return nil
}

// Reachable asks the registry something cheap (its global compatibility
// level), and returns why it did not answer.
func (c *Catalog) Reachable(ctx context.Context, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	if err := c.client.Compatibility(ctx)[0].Err; err != nil {
		return fmt.Errorf("schema registry unreachable: %w", err)
	}
	return nil
}

// is reports whether err is the registry's answer code.
func is(err error, code *sr.Error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.SchemaError() == code
}
