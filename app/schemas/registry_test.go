package schemas_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas"
)

// On a real registry (SCHEMA_REGISTRY; CI starts Apicurio Registry with task
// registry:up): a version that removes a required field is refused by
// register and by check, named; a subject held to another level than the
// configured one fails check until register sets it.
func TestRegistryRefusesARemovedRequiredField(t *testing.T) {
	url := os.Getenv("SCHEMA_REGISTRY")
	if url == "" {
		t.Skip("SCHEMA_REGISTRY names no schema registry (task registry:up, then SCHEMA_REGISTRY=http://127.0.0.1:8085/apis/ccompat/v7)")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.Schemas.RegistryURL = url
	cfg.Topics.Orders = fmt.Sprintf("orders-%x", time.Now().UnixNano())
	subject := schemas.Subjects(cfg.Topics)[0] // OrderPlaced
	backward, err := schemas.New(cfg.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	done, err := backward.Register(ctx, []schemas.Subject{subject})
	if err != nil || len(done) != 1 || done[0].Version != 1 || done[0].Latest != 1 {
		t.Fatalf("Register() = %+v, %v; want version 1", done, err)
	}

	withoutCurrency := subject
	s := strings.Replace(string(subject.Schema), `"currency": {"$ref": "#/definitions/currency"},`, "", 1)
	withoutCurrency.Schema = []byte(strings.Replace(s, `, "currency"]`, `]`, 1))
	want := "incompatible with version 1 under BACKWARD: required property currency removed"
	done, err = backward.Register(ctx, []schemas.Subject{withoutCurrency})
	if len(done) != 0 || err == nil || err.Error() != "register "+subject.Name+": "+want {
		t.Errorf("Register(without currency) = %+v, %v; want refused: %s", done, err, want)
	}
	verdicts, err := backward.Check(ctx, []schemas.Subject{withoutCurrency, subject})
	if err != nil || len(verdicts) != 2 || verdicts[0].Problem != want || verdicts[1].Problem != "" || verdicts[1].Latest != 1 {
		t.Errorf("Check() = %+v, %v; want the first refused (%s), the second compatible", verdicts, err, want)
	}

	cfg.Schemas.Compatibility = "NONE"
	none, err := schemas.New(cfg.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Register(ctx, []schemas.Subject{subject}); err != nil {
		t.Fatal(err)
	}
	verdicts, err = backward.Check(ctx, []schemas.Subject{subject})
	if err != nil || verdicts[0].Problem != "the registry holds it to NONE, not BACKWARD as configured: run orderflow schemas register" {
		t.Errorf("Check() at another level = %+v, %v", verdicts, err)
	}

	// Under BACKWARD_TRANSITIVE every version counts: version 1 had a
	// required gift_note, version 2 (the repo's, registered at NONE) has
	// not; the repo's schema is the latest, yet breaks version 1's records.
	cfg.Topics.Orders += "-transitive"
	subject = schemas.Subjects(cfg.Topics)[0]
	withGift := subject
	s = strings.Replace(string(subject.Schema), `"properties": {`, `"properties": {"gift_note": {"type": "string"},`, 1)
	withGift.Schema = []byte(strings.Replace(s, `"required": [`, `"required": ["gift_note", `, 1))
	if _, err := none.Register(ctx, []schemas.Subject{withGift}); err != nil {
		t.Fatal(err)
	}
	if _, err := none.Register(ctx, []schemas.Subject{subject}); err != nil {
		t.Fatal(err)
	}
	cfg.Schemas.Compatibility = "BACKWARD_TRANSITIVE"
	transitive, err := schemas.New(cfg.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transitive.Register(ctx, []schemas.Subject{subject}); err != nil { // sets the level; the schema is version 2 already
		t.Fatal(err)
	}
	verdicts, err = transitive.Check(ctx, []schemas.Subject{subject})
	want = "incompatible with versions 1 to 2 under BACKWARD_TRANSITIVE: the registry names no change from the latest version"
	if err != nil || verdicts[0].Problem != want {
		t.Errorf("Check() under BACKWARD_TRANSITIVE = %+v, %v; want %s", verdicts, err, want)
	}
}
