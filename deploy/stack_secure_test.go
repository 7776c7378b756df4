package deploy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

// The compose profile "secure" through the user's commands: task up:secure,
// task seed and task dlq with SERVICE=orderflow-secure, task down. The pair
// publishes no Kafka port, so it runs beside nothing in particular.
func TestStackSecureProfile(t *testing.T) {
	if os.Getenv("DOCKER_STACK") == "" {
		t.Skip("the Docker stack's tests need Docker Engine: DOCKER_STACK=1 (task test:stack)")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("docker is not installed")
	}
	st := &stack{t: t}
	st.task(5*time.Minute, "down")
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := st.try(time.Minute, "docker", "compose", "--profile", "secure", "logs", "--no-color", "--tail", "60")
			t.Logf("the secure pair's last log lines:\n%s", out)
		}
		_, _ = st.try(5*time.Minute, "task", "down")
	})

	start := time.Now()
	st.task(10*time.Minute, "up:secure")
	t.Logf("RESULT task up:secure: kafka-secure and orderflow-secure healthy in %s", time.Since(start).Round(time.Second))

	out := st.task(5*time.Minute, "seed", "SERVICE=orderflow-secure", "--", "--json", "--count", "60", "--poison", "2", "--fail", "2", "--panic", "1")
	var m seed.Manifest
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("seed --json: %v in %q", err, out)
	}
	want := testkit.ExpectedDeadLetters(m)
	testkit.WaitFor(t, 2*time.Minute, "task dlq lists exactly the injected failures", func() (bool, string) {
		got := map[string]deadletter.Kind{}
		for _, line := range strings.Split(strings.TrimSpace(st.task(time.Minute, "dlq", "SERVICE=orderflow-secure", "--", "--json")), "\n") {
			var d deadletter.Letter
			if json.Unmarshal([]byte(line), &d) == nil && d.OrderID != "" {
				got[d.OrderID] = d.ErrorKind
			}
		}
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprintf("dlq lists %v, want %v", got, want)
	})

	resp, err := http.Get("http://127.0.0.1:8089/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("orderflow-secure /readyz: %s %s", resp.Status, body)
	}

	// The broker refuses a wrong password, and says so.
	refused, err := st.try(time.Minute, "docker", "compose", "exec", "-T", "-e", "ORDERFLOW_KAFKA_SASL_PASSWORD_FILE=", "-e", "ORDERFLOW_KAFKA_SASL_PASSWORD=not-the-password",
		"orderflow-secure", "/orderflow", "topics")
	if err == nil || !strings.Contains(err.Error(), "SASL authentication failed") {
		t.Errorf("orderflow topics with a wrong password: %v %s", err, refused)
	}

	password := strings.TrimSpace(st.cmd(time.Minute, "docker", "compose", "exec", "-T", "kafka-secure", "cat", "/etc/kafka/secrets/secrets/orderflow"))
	logs := st.cmd(time.Minute, "docker", "compose", "logs", "--no-color", "orderflow-secure")
	if len(password) < 16 || strings.Contains(logs, password) {
		t.Errorf("orderflow-secure's password (%d characters) is empty or appears in its logs", len(password))
	}
	t.Logf("RESULT secure profile: %d orders seeded over SASL_SSL, %d dead letters as injected, readyz 200, a wrong password refused, no password in %d bytes of logs", len(m.Orders), len(want), len(logs))
}
