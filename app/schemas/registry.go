package schemas

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/orderflow/orderflow/app/config"
)

// Registry is the schema registry schemas.registry_url names, and the
// compatibility level schemas.compatibility holds its subjects to.
type Registry struct {
	client *sr.Client
	level  sr.CompatibilityLevel
}

// New returns the registry cfg names, on a client of its own: for a
// command that needs only the Registry (the app's Module hands one client
// to both, NewRegistry).
func New(cfg config.Schemas) (*Registry, error) {
	client, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return NewRegistry(client, cfg)
}

// NewRegistry is the registry of client, holding subjects to
// cfg.Compatibility.
func NewRegistry(client *sr.Client, cfg config.Schemas) (*Registry, error) {
	var level sr.CompatibilityLevel
	if err := level.UnmarshalText([]byte(cfg.Compatibility)); err != nil {
		return nil, fmt.Errorf("schemas.compatibility: %w", err)
	}
	return &Registry{client: client, level: level}, nil
}

// Registered is a subject's schema as the registry holds it.
type Registered struct {
	Subject     string
	ID, Version int
	// Latest is the subject's latest version: above Version when the schema
	// was registered before a later one (a registry keeps its old version
	// and does not add it again).
	Latest int
}

// Register sets each subject's compatibility level, then registers its
// schema: a schema the subject already holds keeps its ID and version (and
// is not made latest again); one the level refuses is not registered,
// and the error names the subject and what changed. The others are
// registered all the same.
func (r *Registry) Register(ctx context.Context, subjects []Subject) ([]Registered, error) {
	names := make([]string, len(subjects))
	for i, s := range subjects {
		names[i] = s.Name
	}
	// A subject that does not exist yet gets its level once it does:
	// Apicurio refuses NONE on a subject it lacks, and a first version has
	// nothing to be compatible with.
	later := map[string]bool{}
	for _, res := range r.client.SetCompatibility(ctx, sr.SetCompatibility{Level: r.level}, names...) {
		switch {
		case is(res.Err, sr.ErrSubjectNotFound):
			later[res.Subject] = true
		case res.Err != nil:
			return nil, fmt.Errorf("set %s's compatibility to %s: %w", res.Subject, r.level, res.Err)
		}
	}
	var done []Registered
	var errs []error
	for _, s := range subjects {
		ss, err := r.client.CreateSchema(ctx, s.Name, schemaOf(s))
		if err != nil {
			errs = append(errs, r.refused(ctx, s, err))
			continue
		}
		if later[s.Name] {
			if res := r.client.SetCompatibility(ctx, sr.SetCompatibility{Level: r.level}, s.Name); res[0].Err != nil {
				errs = append(errs, fmt.Errorf("set %s's compatibility to %s: %w", s.Name, r.level, res[0].Err))
				continue
			}
		}
		latest, err := r.client.SchemaByVersion(ctx, s.Name, -1)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s's latest version: %w", s.Name, err))
			continue
		}
		done = append(done, Registered{Subject: s.Name, ID: ss.ID, Version: ss.Version, Latest: latest.Version})
	}
	return done, errors.Join(errs...)
}

// refused says why the registry did not register s: incompatible with its
// latest version (and what changed), or the registry's own error.
func (r *Registry) refused(ctx context.Context, s Subject, err error) error {
	var re *sr.ResponseError
	if !errors.As(err, &re) || !is(err, sr.ErrIncompatibleSchema) {
		return fmt.Errorf("register %s: %w", s.Name, err)
	}
	latest, lerr := r.client.SchemaByVersion(ctx, s.Name, -1)
	if lerr != nil {
		return fmt.Errorf("register %s: incompatible under %s: %s", s.Name, r.level, re.Message)
	}
	why := strings.Join(Changes([]byte(latest.Schema.Schema), s.Schema), "; ")
	if why == "" { // incompatible with an earlier version than the latest (a _TRANSITIVE level)
		why = re.Message
	}
	return fmt.Errorf("register %s: incompatible with version %d under %s: %s", s.Name, latest.Version, r.level, why)
}

// Verdict is how a subject's schema in the repo stands with the registry.
type Verdict struct {
	Subject string
	// Latest is the registered version compared with; 0: none yet, so
	// anything is compatible.
	Latest int
	// Problem says why the schema would not ship; empty, it would.
	Problem string
	// Changes names what differs from Latest (whether the level allows it
	// or not).
	Changes []string
}

// Check compares each subject's schema with the registry's latest version
// of it (every version, for a _TRANSITIVE level), through the registry's
// compatibility endpoint under the subject's level, which must be the
// configured one (Register sets it). It changes
// nothing in the registry. The error is for a registry that could not be
// asked; a schema that would break its readers is a Verdict's Problem.
func (r *Registry) Check(ctx context.Context, subjects []Subject) ([]Verdict, error) {
	var verdicts []Verdict
	for _, s := range subjects {
		v, err := r.check(ctx, s)
		if err != nil {
			return verdicts, err
		}
		verdicts = append(verdicts, v)
	}
	return verdicts, nil
}

func (r *Registry) check(ctx context.Context, s Subject) (Verdict, error) {
	v := Verdict{Subject: s.Name}
	latest, err := r.client.SchemaByVersion(ctx, s.Name, -1)
	if is(err, sr.ErrSubjectNotFound) || is(err, sr.ErrVersionNotFound) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("read %s's latest version: %w", s.Name, err)
	}
	v.Latest = latest.Version
	v.Changes = Changes([]byte(latest.Schema.Schema), s.Schema)
	levels := r.client.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), s.Name)
	if err := levels[0].Err; err != nil {
		return v, fmt.Errorf("read %s's compatibility level: %w", s.Name, err)
	}
	if level := levels[0].Level; level != r.level {
		v.Problem = fmt.Sprintf("the registry holds it to %s, not %s as configured: run orderflow schemas register", level, r.level)
		return v, nil
	}
	// A _TRANSITIVE level is checked against every version (-2), the
	// others against the latest (-1).
	against, which := -1, fmt.Sprintf("version %d", latest.Version)
	if strings.HasSuffix(r.level.String(), "_TRANSITIVE") {
		against, which = -2, fmt.Sprintf("versions 1 to %d", latest.Version)
	}
	res, err := r.client.CheckCompatibility(sr.WithParams(ctx, sr.Verbose), s.Name, against, schemaOf(s))
	if err != nil {
		return v, fmt.Errorf("check %s: %w", s.Name, err)
	}
	if !res.Is {
		why := v.Changes
		if len(why) == 0 {
			why = res.Messages
		}
		if len(why) == 0 {
			why = []string{"the registry names no change from the latest version"}
		}
		v.Problem = fmt.Sprintf("incompatible with %s under %s: %s", which, r.level, strings.Join(why, "; "))
	}
	return v, nil
}

func schemaOf(s Subject) sr.Schema { return sr.Schema{Schema: string(s.Schema), Type: sr.TypeJSON} }
