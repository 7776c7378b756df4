package config_test

import (
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/config"
)

// The schemas section is off by default, BACKWARD and plain JSON, and every
// problem in it is reported at once.
func TestSchemasSection(t *testing.T) {
	d := config.Default().Schemas
	if d.RegistryURL != "" || d.Wire != config.WireJSON || d.Compatibility != "BACKWARD" {
		t.Errorf("defaults %+v, want no registry, json, BACKWARD", d)
	}
	got, err := config.Parse(nil, []string{"ORDERFLOW_SCHEMAS_REGISTRY_URL=http://127.0.0.1:8085/apis/ccompat/v7", "ORDERFLOW_SCHEMAS_COMPATIBILITY=FULL_TRANSITIVE"})
	if err != nil || got.Schemas.RegistryURL != "http://127.0.0.1:8085/apis/ccompat/v7" || got.Schemas.Compatibility != "FULL_TRANSITIVE" {
		t.Errorf("Parse() = %+v, %v", got.Schemas, err)
	}
	_, err = config.Parse([]byte("schemas:\n  registry_url: registry:8085\n  wire: avro\n  compatibility: backward\n  timeout: 0s\n"), nil)
	for _, want := range []string{
		`schemas.registry_url "registry:8085" is not an http(s) URL`,
		`schemas.wire "avro" must be json or confluent`,
		`schemas.compatibility "backward" must be one of BACKWARD, BACKWARD_TRANSITIVE`,
		"schemas.timeout 0s must be positive",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// confluent needs a registry, and says so beside the other problems.
	_, err = config.Parse([]byte("schemas: {wire: confluent, timeout: 0s}\n"), nil)
	for _, want := range []string{
		"schemas.wire confluent needs schemas.registry_url",
		"schemas.timeout 0s must be positive",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	got, err = config.Parse([]byte("schemas: {wire: confluent, registry_url: http://127.0.0.1:8085/apis/ccompat/v7}\n"), nil)
	if err != nil || got.Schemas.Wire != config.WireConfluent {
		t.Errorf("wire confluent with a registry: %+v, %v; want accepted", got.Schemas, err)
	}
}
