package testkit

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/orderflow/orderflow/app/broker"
	"github.com/orderflow/orderflow/app/config"
)

// oneNode is testConfig for a cluster of one broker at addr.
func oneNode(addr string) Cluster {
	cfg := testConfig([]string{addr})
	cfg.Topics.ReplicationFactor, cfg.Topics.MinInsyncReplicas = 1, 1
	return Cluster{Brokers: []string{addr}, Cfg: cfg}
}

// Owned is a cluster that one test owns and may stop and start again, unlike
// the shared one of Real.
type Owned struct {
	Cluster
	Stop  func() // stops every broker; their data stays
	Start func() // starts them again (Apache Kafka only; nil for the embedded broker)
}

// OwnEmbedded is an embedded cluster that t may stop.
func OwnEmbedded(t testing.TB) Owned {
	t.Helper()
	cfg := config.Default()
	cfg.Kafka.Brokers = []string{"127.0.0.1:0"}
	e, err := broker.Start(cfg.Kafka)
	if err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceFunc(e.Close)
	t.Cleanup(stop)
	return Owned{Cluster: oneNode(e.Addrs()[0]), Stop: stop}
}

// OwnKafka starts a one-node Apache Kafka cluster of t's own with
// deploy/kafka/up.sh, in a temporary directory on free ports, and stops it
// when t ends. Like Real, it needs KAFKA_BROKERS set (the sign that Kafka's
// jars are here), else the test is skipped, or fails under CI=true.
func OwnKafka(t testing.TB) Owned {
	t.Helper()
	o, _ := ownKafka(t, false)
	return o
}

// Secured is a one-node cluster whose clients must use SASL_SSL, made by
// deploy/kafka/up.sh with SECURE=1: its Cfg reaches it as orderflow's
// least-privilege user.
type Secured struct {
	Owned
	CAFile    string
	Passwords map[string]string // user (admin, orderflow, intruder) → password; keystore: the broker's keystore
}

// OwnSecureKafka starts a secured cluster of t's own, as OwnKafka does.
func OwnSecureKafka(t testing.TB) Secured {
	t.Helper()
	o, state := ownKafka(t, true)
	s := Secured{Owned: o, CAFile: filepath.Join(state, "tls", "ca.pem"), Passwords: map[string]string{}}
	for _, u := range []string{"admin", "orderflow", "intruder", "keystore"} {
		pw, err := os.ReadFile(filepath.Join(state, "secrets", u))
		if err != nil {
			t.Fatal(err)
		}
		s.Passwords[u] = strings.TrimSpace(string(pw))
	}
	k := &s.Cfg.Kafka
	k.TLS = config.TLS{Enabled: true, CAFile: s.CAFile}
	k.SASL = config.SASL{Mechanism: "SCRAM-SHA-512", Username: "orderflow", Password: config.Secret(s.Passwords["orderflow"])}
	return s
}

func ownKafka(t testing.TB, secure bool) (Owned, string) {
	t.Helper()
	Real(t) // skips or fails without the real cluster
	_, file, _, _ := runtime.Caller(0)
	scripts := filepath.Join(filepath.Dir(file), "..", "..", "deploy", "kafka")
	port := freePorts(t)
	state := t.TempDir()
	env := append(os.Environ(), "NODES=1", "KAFKA_STATE="+state, "KAFKA_PORT="+strconv.Itoa(port))
	if secure {
		env = append(env, "SECURE=1")
	}
	run := func(script string) {
		cmd := exec.Command(filepath.Join(scripts, script))
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	run("up.sh")
	t.Cleanup(func() { run("down.sh") })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	return Owned{
		Cluster: oneNode(addr),
		Stop:    func() { run("down.sh") },
		Start:   func() { run("up.sh") },
	}, state
}

// freePorts finds a port p such that p (a broker's clients), p+10000 (its
// controller) and p+20000 (its JMX, deploy/kafka/up.sh) are all free now and
// all under Linux's ephemeral range (32768 and up), where an outgoing
// connection could take one before the broker binds it: a JVM whose JMX port
// is taken exits before the broker starts.
func freePorts(t testing.TB) int {
	t.Helper()
	for range 100 {
		p := 10000 + rand.IntN(2768)
		free := true
		for _, q := range []int{p, p + 10000, p + 20000} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return p
		}
	}
	t.Fatal("no free ports p, p+10000, p+20000 in 10000..32767")
	return 0
}
