package deploy_test

import (
	"os"
	"os/exec"
	"testing"
)

// promtool checks the alert rules and the stack's Prometheus config, and runs
// the rules' unit tests: cases that fire and cases that do not
// (deploy/prometheus/alerts_test.yml).
func TestAlertRules(t *testing.T) {
	promtool := lookPath(t, "promtool")
	for _, args := range [][]string{
		{"check", "rules", "prometheus/alerts.yml"},
		{"check", "config", "prometheus/prometheus.yml"}, // the stack's, with the rules it loads
		{"test", "rules", "prometheus/alerts_test.yml"},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// lookPath finds a tool Debian's prometheus package installs; without it the
// test is skipped, except under CI=true, where .ci/run installs it.
func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; CI=true needs it (apt-get install prometheus)", name)
		}
		t.Skipf("%s not found: apt-get install prometheus", name)
	}
	return p
}
