package events

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// maxEmailBytes is the longest address SMTP carries (RFC 5321's path limit).
const maxEmailBytes = 254

// validateEmail accepts a bare address (local@domain) and nothing a
// notification would echo to a person in a misleading way: no display name,
// no control characters, no bidirectional overrides or invisible formatting.
func validateEmail(email string) error {
	if email == "" {
		return fmt.Errorf("email is empty")
	}
	if len(email) > maxEmailBytes {
		return fmt.Errorf("email is %d bytes, more than %d", len(email), maxEmailBytes)
	}
	for _, r := range email {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return fmt.Errorf("email %q holds the character %U", email, r)
		}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || !strings.Contains(email, "@") {
		return fmt.Errorf("email %q is not an address like name@example.com", email)
	}
	return nil
}
