package main

// orderflow on a secured cluster: SASL_SSL with SCRAM and least-privilege ACLs
// (deploy/kafka/up.sh SECURE=1, a one-node cluster the test starts itself).

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/testkit"
)

// failBound is how soon a command must give up on brokers it may not use:
// the bound docs/operations.md gives, 2 × kafkaclient.StartTimeout, plus the process's own start.
const failBound = 15 * time.Second

func TestSecuredKafka(t *testing.T) {
	sec := testkit.OwnSecureKafka(t)
	t.Run("pipeline and replay", func(t *testing.T) {
		deadLetterReplayCLI(t, newStackOn(t, sec.ForTest(t)))
	})
	t.Run("pipeline and replay on watermill-kafka", func(t *testing.T) {
		s := newStackOn(t, sec.ForTest(t))
		s.env = append(s.env, "ORDERFLOW_KAFKA_CLIENT="+config.ClientWatermillKafka)
		deadLetterReplayCLI(t, s)
	})
	t.Run("each failure named within the bound", func(t *testing.T) { securityFailures(t, sec) })
	t.Run("dead-letter write ACL revoked", func(t *testing.T) { revokedDeadLetterACL(t, sec) })
	t.Run("no secret in logs letters or metrics", func(t *testing.T) { noSecretShows(t, sec) })
}

// Each misconfiguration ends serve (or seed) with exit 1 within failBound and
// an error naming the cause; nothing is produced and nothing committed.
func securityFailures(t *testing.T, sec testkit.Secured) {
	s := newStackOn(t, sec.ForTest(t))
	otherCA := writeOtherCA(t)
	wrong := "wrong-" + sec.Passwords["orderflow"][:6]
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"wrong password", []string{"ORDERFLOW_KAFKA_SASL_PASSWORD=" + wrong},
			"SASL authentication failed"},
		{"untrusted certificate", []string{"ORDERFLOW_KAFKA_TLS_CA_FILE=" + otherCA},
			"certificate signed by unknown authority"},
		{"plaintext client on the TLS listener", []string{"ORDERFLOW_KAFKA_TLS_ENABLED=false", "ORDERFLOW_KAFKA_TLS_CA_FILE=",
			"ORDERFLOW_KAFKA_SASL_MECHANISM=", "ORDERFLOW_KAFKA_SASL_USERNAME=", "ORDERFLOW_KAFKA_SASL_PASSWORD="},
			"its listener is TLS (SSL or SASL_SSL), set kafka.tls.enabled"},
		{"TLS without SASL on the SASL_SSL listener", []string{"ORDERFLOW_KAFKA_SASL_MECHANISM=", "ORDERFLOW_KAFKA_SASL_USERNAME=", "ORDERFLOW_KAFKA_SASL_PASSWORD="},
			"if it requires SASL, set kafka.sasl.mechanism"},
		{"principal with no ACLs", []string{"ORDERFLOW_KAFKA_SASL_USERNAME=intruder", "ORDERFLOW_KAFKA_SASL_PASSWORD=" + sec.Passwords["intruder"]},
			"User:intruder is not authorized by the brokers' ACLs"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			out := mustFail(t, append(s.env, tt.env...), tt.want, "serve")
			for _, pw := range []string{wrong, sec.Passwords["orderflow"], sec.Passwords["intruder"]} {
				if strings.Contains(out, pw) {
					t.Errorf("the output shows a password:\n%s", out)
				}
			}
		})
	}
	// None of those produced a record or committed an offset (the topics
	// exist: the test's tracker made them, as orderflow).
	if recs := testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.Orders, s.kcatX...); len(recs) != 0 {
		t.Errorf("%d records in %s", len(recs), s.Cfg.Topics.Orders)
	}
	admin := adminClient(t, sec)
	for _, g := range []string{"payments", "shipping", "notifications"} {
		offsets, err := admin.ListConsumerGroupOffsets(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		for topic, parts := range offsets.Blocks {
			for p, b := range parts {
				if slices.Contains(s.Cfg.Topics.All(), topic) && b.Offset >= 0 {
					t.Errorf("group %s committed offset %d on %s/%d", g, b.Offset, topic, p)
				}
			}
		}
	}

	// A group orderflow may not use: serve stops at start, naming it.
	restore := revoke(t, admin, sarama.Resource{ResourceType: sarama.AclResourceGroup, ResourceName: "shipping", ResourcePatternType: sarama.AclPatternLiteral},
		sarama.AclOperationRead)
	mustFail(t, s.env, "User:orderflow is not authorized by the brokers' ACLs for its consumer group", "serve")
	restore()

	// The principal with no ACLs cannot write to topics that exist.
	run(t, s.env, "topics")
	mustFail(t, append(s.env, "ORDERFLOW_KAFKA_SASL_USERNAME=intruder", "ORDERFLOW_KAFKA_SASL_PASSWORD="+sec.Passwords["intruder"]),
		"User:intruder is not authorized by the brokers' ACLs", "seed", "--count", "5")
	if recs := testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.Orders, s.kcatX...); len(recs) != 0 {
		t.Errorf("the principal with no ACLs produced %d records", len(recs))
	}
}

// mustFail runs orderflow args with env, expecting exit 1 within failBound and
// want in what it printed; it returns the output.
func mustFail(t *testing.T, env []string, want string, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "RUN_ORDERFLOW_MAIN=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(failBound):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("orderflow %v still running after %s:\n%s", args, failBound, out.String())
	}
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("orderflow %v: %v, want exit 1:\n%s", args, err, out.String())
	}
	if !strings.Contains(out.String(), want) {
		t.Errorf("orderflow %v said:\n%s\nwant it to say %q", args, out.String(), want)
	}
	t.Logf("RESULT %s: exit 1 after %s: %s", t.Name(), took.Round(10*time.Millisecond), lastLine(out.String()))
	return out.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Revoking orderflow's Write ACL on the dead-letter topics while a poison
// message is in flight: it is neither acknowledged nor lost, and once the ACL
// is back it is dead-lettered and the order behind it settles.
func revokedDeadLetterACL(t *testing.T, sec testkit.Secured) {
	s := newStackOn(t, sec.ForTest(t))
	admin := adminClient(t, sec)
	var restore func()
	unwritableDeadLetter(t, s, func() sarama.ClusterAdmin {
		run(t, s.env, "topics")
		restore = revoke(t, admin, sarama.Resource{ResourceType: sarama.AclResourceTopic, ResourceName: "dlq", ResourcePatternType: sarama.AclPatternPrefixed},
			sarama.AclOperationWrite)
		return admin
	}, func() { restore() })
}

// revoke deletes User:orderflow's ACL allowing op on res and returns the
// function that grants it again (also run when t ends).
func revoke(t *testing.T, admin sarama.ClusterAdmin, res sarama.Resource, op sarama.AclOperation) func() {
	t.Helper()
	principal, host := "User:orderflow", "*"
	acl := sarama.Acl{Principal: principal, Host: host, Operation: op, PermissionType: sarama.AclPermissionAllow}
	deleted, err := admin.DeleteACL(sarama.AclFilter{ResourceType: res.ResourceType, ResourceName: &res.ResourceName, ResourcePatternTypeFilter: res.ResourcePatternType,
		Principal: &principal, Host: &host, Operation: op, PermissionType: acl.PermissionType}, false)
	if err != nil || len(deleted) != 1 {
		t.Fatalf("revoke %v on %s: %v (%d ACLs matched, want 1)", op, res.ResourceName, err, len(deleted))
	}
	restore := sync.OnceFunc(func() {
		if err := admin.CreateACL(res, acl); err != nil {
			t.Errorf("grant %v on %s again: %v", op, res.ResourceName, err)
		}
	})
	t.Cleanup(restore)
	return restore
}

// A run with failures of every kind, a failed login and the config dump:
// neither any password nor any key material appears in what orderflow
// printed, in the dead letters or on /metrics.
func noSecretShows(t *testing.T, sec testkit.Secured) {
	s := newStackOn(t, sec.ForTest(t))
	addr := freeAddr(t)
	env := append(s.env, "ORDERFLOW_HTTP_ADDR="+addr, "ORDERFLOW_LOGGING_LEVEL=debug")
	_, serveOut := orderflow(t, env, "serve")
	m := <-s.seedAsync(t, seed.Plan{Count: 40, Poison: 2, Fail: 2, Panic: 1, Flaky: 2})
	testkit.WaitSettled(t, s.tr, m.Orders, 2*time.Minute)

	var seen bytes.Buffer
	seen.WriteString(run(t, env, "dlq", "list", "--json"))
	seen.WriteString(run(t, env, "config"))
	seen.WriteString(mustFail(t, append(env, "ORDERFLOW_KAFKA_SASL_PASSWORD=wrong-"+sec.Passwords["admin"]), "SASL authentication failed", "seed", "--count", "1"))
	for _, r := range testkit.KcatRead(t, s.Brokers, s.Cfg.Topics.DeadLetter, s.kcatX...) {
		seen.WriteString(r.Key + r.Value)
		for k, v := range r.Headers {
			seen.WriteString(k + "=" + v + "\n")
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	seen.Write(metrics)
	seen.WriteString(serveOut.String())

	if !strings.Contains(seen.String(), "orderflow_dead_letters_total") || !strings.Contains(seen.String(), "[redacted]") {
		t.Fatalf("the scan did not see the metrics and the redacted config dump:\n%s", seen.String())
	}
	secrets := map[string]string{}
	for u, pw := range sec.Passwords {
		secrets["password of "+u] = pw
	}
	secrets["private key material"] = "PRIVATE KEY"
	for what, v := range secrets {
		if strings.Contains(seen.String(), v) {
			t.Errorf("%s appears in orderflow's output, letters or metrics", what)
		}
	}
	t.Logf("RESULT secret scan: %d bytes of logs, dead letters and metrics; no password, no key material", seen.Len())
}

// adminClient is a cluster admin logged in as the cluster's super user.
func adminClient(t *testing.T, sec testkit.Secured) sarama.ClusterAdmin {
	t.Helper()
	k := sec.Cfg.Kafka
	k.SASL.Username, k.SASL.Password = "admin", config.Secret(sec.Passwords["admin"])
	conn, err := kafkaclient.Connect(sec.Brokers, k)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sarama.NewClusterAdmin(sec.Brokers, conn.Sarama())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return admin
}

// writeOtherCA writes a CA certificate the brokers' certificate is not signed by.
func writeOtherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "some other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
