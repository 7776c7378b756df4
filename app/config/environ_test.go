package config_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/config"
)

// Environ says, in ORDERFLOW_ variables, exactly what differs from the
// defaults, and Parse reads it back to the same config: every kind of key
// (list, string, number, duration, bool, a per-step rate, a secret).
func TestEnvironRoundTrips(t *testing.T) {
	if got := config.Environ(config.Default()); len(got) != 0 {
		t.Errorf("the defaults render as %q, want nothing", got)
	}
	cfg := config.Default()
	cfg.Kafka.Brokers = []string{"k1:9092", "k2:9092"}
	cfg.Kafka.SASL.Mechanism, cfg.Kafka.SASL.Username, cfg.Kafka.SASL.Password = "SCRAM-SHA-512", "orderflow", "s3cret, with a comma"
	cfg.Topics.Orders, cfg.Topics.Partitions = "orders-x", 6
	cfg.Retry.InitialInterval, cfg.Retry.Jitter = 5*time.Millisecond, 0.25
	cfg.Faults.Inject = true
	cfg.Faults.ErrorRate = map[string]float64{config.StepPayments: 0.5}
	env := config.Environ(cfg)
	for _, want := range []string{"ORDERFLOW_KAFKA_BROKERS=k1:9092,k2:9092", "ORDERFLOW_RETRY_INITIAL_INTERVAL=5ms", "ORDERFLOW_FAULTS_ERROR_RATE_PAYMENTS=0.5", "ORDERFLOW_FAULTS_INJECT=true"} {
		if !slices.Contains(env, want) {
			t.Errorf("Environ lacks %s: %q", want, env)
		}
	}
	back, err := config.Parse(nil, env)
	if err != nil {
		t.Fatalf("Parse(Environ(cfg)): %v\n%q", err, env)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("Parse(Environ(cfg)) =\n%+v\nwant\n%+v\nfrom %q", back, cfg, env)
	}
}
