package codec

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// derivedID is exactly uuid.NewSHA1 over the OID name space, short seeds and
// seeds longer than its stack buffer alike.
func TestDerivedIDIsUUIDv5(t *testing.T) {
	for _, seed := range []string{"", "a", "3f2c1e7a-8d4b-4c2a-9f1e-0b5d6c7e8f90/payments", strings.Repeat("x", 200)} {
		if got, want := derivedID(seed), uuid.NewSHA1(uuid.NameSpaceOID, []byte(seed)).String(); got != want {
			t.Errorf("derivedID(%q) = %s, want %s", seed, got, want)
		}
	}
}
