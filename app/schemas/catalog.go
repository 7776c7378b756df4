package schemas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// Catalog is the registry as the pipeline meets it: the schema ID and
// version under which this build writes each event type to each topic, and
// every schema ID an input carried, each looked up once and then kept for the
// life of the process. After its first lookup nothing on a message's way asks
// the registry, so an outage leaves the pipeline running on what it cached;
// only an ID never seen before needs the registry, and waits for it as a
// transient error.
type Catalog struct {
	client *sr.Client

	// miss is held by one lookup at a time: the first messages of a subject,
	// arriving on every lane at once, make one request, not one each.
	miss   sync.Mutex
	mu     sync.RWMutex
	writes map[written]Stamp
	reads  map[int]*read
}

// written is a topic and the event type written to it: one subject.
type written struct{ topic, eventType string }

// Stamp is the schema an output is written with, its header values made once.
type Stamp struct {
	Subject     string
	ID, Version int
	// IDText and VersionText are ID and Version as the headers carry them.
	IDText, VersionText string
}

// NewCatalog returns the catalog of the registry cfg names; an empty
// registry_url is an error.
func NewCatalog(cfg config.Schemas) (*Catalog, error) {
	if cfg.RegistryURL == "" {
		return nil, errors.New("schemas.registry_url is empty: no schema registry to look schemas up in")
	}
	client, err := sr.NewClient(sr.URLs(cfg.RegistryURL), sr.UserAgent("orderflow"),
		sr.HTTPClient(&http.Client{Timeout: cfg.Timeout}))
	if err != nil {
		return nil, fmt.Errorf("schema registry %s: %w", cfg.RegistryURL, err)
	}
	return &Catalog{client: client, writes: map[written]Stamp{}, reads: map[int]*read{}}, nil
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
	c.miss.Lock()
	defer c.miss.Unlock()
	c.mu.RLock()
	s, ok = c.writes[key]
	c.mu.RUnlock()
	if ok { // looked up while this one waited
		return s, nil
	}
	schema, ok := events.Schema(eventType)
	if !ok {
		return Stamp{}, events.Permanent(fmt.Errorf("no schema for event type %q", eventType))
	}
	subject := topic + "-" + eventType
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
		c.reads[ss.ID] = &read{under: []Stamp{s}, builtIn: eventType}
	} else if !slices.Contains(r.under, s) {
		c.reads[ss.ID] = &read{under: append(slices.Clip(r.under), s), builtIn: r.builtIn, schema: r.schema}
	}
	c.mu.Unlock()
	return s, nil
}

func stamp(subject string, id, version int) Stamp {
	return Stamp{Subject: subject, ID: id, Version: version, IDText: strconv.Itoa(id), VersionText: strconv.Itoa(version)}
}

// Warm looks up every subject of topics, so that the first messages do not
// wait on the registry; a subject it cannot look up is looked up again by
// the first message that needs it. It returns what it could not look up.
func (c *Catalog) Warm(ctx context.Context, topics config.Topics) error {
	var errs []error
	for _, s := range Subjects(topics) {
		if _, err := c.Writes(ctx, s.Topic, s.EventType); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
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
