package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Schemas connects orderflow to a schema registry that holds the events'
// JSON Schemas (docs/schemas.md): `orderflow schemas register` and `check`
// use it.
type Schemas struct {
	// RegistryURL is the registry's Confluent-compatible API, such as
	// Apicurio Registry's http://127.0.0.1:8085/apis/ccompat/v7; empty, no
	// registry is used.
	RegistryURL string `yaml:"registry_url"`
	// Wire is how outputs carry their schema, with a registry: "json", the
	// payload as plain JSON, readable by any client, the schema's subject, ID
	// and version in headers; "confluent", the headers and the Confluent wire
	// format (the magic byte 0 and the schema ID as 4 bytes big-endian before
	// the JSON), which needs registry_url. Inputs are read either way.
	Wire string `yaml:"wire"`
	// Compatibility is the level each subject is registered with and the
	// repo's schemas are checked against (the registry's names: BACKWARD,
	// FORWARD, FULL, each also _TRANSITIVE, or NONE).
	Compatibility string `yaml:"compatibility"`
	// Timeout bounds one request to the registry.
	Timeout time.Duration `yaml:"timeout"`
}

// The values schemas.wire takes.
const (
	WireJSON      = "json"
	WireConfluent = "confluent"
)

// CompatibilityLevels are the levels schemas.compatibility takes.
var CompatibilityLevels = []string{"BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"}

func (s Schemas) validate() error {
	var errs []error
	if s.RegistryURL != "" {
		u, err := url.Parse(s.RegistryURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("schemas.registry_url %q is not an http(s) URL such as http://127.0.0.1:8085/apis/ccompat/v7", s.RegistryURL))
		}
	}
	switch s.Wire {
	case WireJSON:
	case WireConfluent:
		if s.RegistryURL == "" {
			errs = append(errs, fmt.Errorf("schemas.wire %s needs schemas.registry_url: the framing carries a schema ID, which only a registry gives", WireConfluent))
		}
	default:
		errs = append(errs, fmt.Errorf("schemas.wire %q must be %s or %s", s.Wire, WireJSON, WireConfluent))
	}
	if !slices.Contains(CompatibilityLevels, s.Compatibility) {
		errs = append(errs, fmt.Errorf("schemas.compatibility %q must be one of %s", s.Compatibility, strings.Join(CompatibilityLevels, ", ")))
	}
	if s.Timeout <= 0 || s.Timeout > time.Minute {
		errs = append(errs, fmt.Errorf("schemas.timeout %s must be positive and at most 1m", s.Timeout))
	}
	return errors.Join(errs...)
}
