package cli

import (
	"strings"
	"testing"
	"time"
)

// --since and --until take an RFC 3339 time or a duration ago, and say what
// they want otherwise.
func TestMomentFlag(t *testing.T) {
	var at time.Time
	m := moment{&at}
	if err := m.Set("2026-12-05T10:00:00Z"); err != nil || !at.Equal(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339: %v, %v", at, err)
	}
	before := time.Now()
	err := m.Set("90m")
	after := time.Now()
	if err != nil || at.Before(before.Add(-90*time.Minute)) || at.After(after.Add(-90*time.Minute)) {
		t.Errorf("90m ago: %v (now %v), %v", at, before, err)
	}
	for _, bad := range []string{"yesterday", "-5m", "2026-12-05"} {
		if err := m.Set(bad); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("%q: %v, want an error naming both forms", bad, err)
		}
	}
}
