package config_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/config"
)

// The shipped config.yaml loads; it sets nothing, so the defaults are in effect.
func TestShippedConfigLoads(t *testing.T) {
	got, err := config.Load("../../config.yaml", nil)
	if err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	if want := config.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.yaml = %+v\nwant the defaults %+v", got, want)
	}
}

// Every key has its default in defaults.yaml: none is left at Go's zero value
// by omission (the zero values that are meant are listed).
func TestDefaultsSetEveryKey(t *testing.T) {
	meantZero := map[string]bool{"kafka.embedded": true, "kafka.group_prefix": true, "gateway.store_path": true, "gateway.url": true, "faults.inject": true, "tracing.otlp_endpoint": true, "delivery.instance": true, "console.token": true, "console.token_file": true, "schemas.registry_url": true}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		for i := range v.NumField() {
			key := prefix + strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
			switch f := v.Field(i); {
			case f.Kind() == reflect.Struct:
				walk(key+".", f)
			case strings.HasPrefix(key, "kafka.tls.") || strings.HasPrefix(key, "kafka.sasl."):
				// off by default: every security key's default is its zero value
			case f.Kind() == reflect.Map && f.IsNil(), f.Kind() != reflect.Map && f.IsZero() && !meantZero[key]:
				t.Errorf("%s has no default in defaults.yaml", key)
			}
		}
	}
	walk("", reflect.ValueOf(config.Default()))
}

func TestParseReportsEveryProblem(t *testing.T) {
	give := `
kafka:
  brokers: []
  colour: blue
retry:
  max_attempts: -1
  initial_interval: soon
logging:
  format: xml
`
	_, err := config.Parse([]byte(give), []string{"ORDERFLOW_HANDLER_TIMEOUT=forever", "ORDERFLOW_NOPE=1", "ORDERFLOW_FAULTS_ERROR_RATE_SHIPMENT=0.1"})
	if err == nil {
		t.Fatal("Parse() = nil error, want every problem")
	}
	for _, want := range []string{
		"line 4: kafka.colour: no such key",
		`line 7: retry.initial_interval: "soon" is not a duration (such as 90s, 2m or 1h30m)`,
		"kafka.brokers is empty",
		"retry.max_attempts -1 must be at least 1",
		`logging.format "xml" must be text or json`,
		`ORDERFLOW_HANDLER_TIMEOUT: "forever" is not a duration`,
		"ORDERFLOW_NOPE: no such config key",
		"ORDERFLOW_FAULTS_ERROR_RATE_SHIPMENT: no such config key; did you mean ORDERFLOW_FAULTS_ERROR_RATE_SHIPPING?",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	got, err := config.Parse(nil, []string{
		"ORDERFLOW_KAFKA_BROKERS=a:1, b:2",
		"ORDERFLOW_KAFKA_EMBEDDED=false",
		"ORDERFLOW_RETRY_MAX_ATTEMPTS=3",
		"ORDERFLOW_FAULTS_FAIL_FAILURES=3",
		"ORDERFLOW_RETRY_MAX_INTERVAL=2s",
		"ORDERFLOW_FAULTS_ERROR_RATE_SHIPPING=0.25",
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.Kafka.Brokers = []string{"a:1", "b:2"}
	want.Kafka.Embedded = false
	want.Retry.MaxAttempts = 3
	want.Faults.FailFailures = 3
	want.Retry.MaxInterval = 2 * time.Second
	want.Faults.ErrorRate = config.ErrorRate{"shipping": 0.25}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse() = %+v\nwant %+v", got, want)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		give func(*config.Config)
		want string
	}{
		{name: "bad broker", give: func(c *config.Config) { c.Kafka.Brokers = []string{"nohost"} }, want: `"nohost" is not host:port`},
		{name: "bad version", give: func(c *config.Config) { c.Kafka.Version = "x" }, want: "kafka.version"},
		{name: "bad group prefix", give: func(c *config.Config) { c.Kafka.GroupPrefix = "staging payments/" }, want: `kafka.group_prefix "staging payments/": use at most 200 of the letters, digits and . _ -`},
		{name: "duplicate topic", give: func(c *config.Config) { c.Topics.Shipments = "orders" }, want: `topics.shipments: "orders" is already used`},
		{name: "isr above rf", give: func(c *config.Config) { c.Topics.ReplicationFactor = 1 }, want: "min_insync_replicas 2 must be between 1 and replication_factor 1"},
		{name: "flaky past budget", give: func(c *config.Config) { c.Faults.FlakyFailures = 5 }, want: "faults.flaky_failures 5"},
		{name: "fail within budget", give: func(c *config.Config) { c.Faults.FailFailures = 2 }, want: "faults.fail_failures 2 must be at least retry.max_attempts (5)"},
		{name: "no gateway records", give: func(c *config.Config) { c.Gateway.MemoryRecords = 0 }, want: "gateway.memory_records 0 must be at least 1"},
		{name: "error rate", give: func(c *config.Config) { c.Faults.ErrorRate["payments"] = 2 }, want: "faults.error_rate.payments 2"},
		{name: "otlp endpoint not a URL", give: func(c *config.Config) { c.Tracing.OTLPEndpoint = "127.0.0.1:4318" }, want: `tracing.otlp_endpoint "127.0.0.1:4318" is not an http(s) URL`},
		{name: "transaction window of none", give: func(c *config.Config) { c.Delivery.TransactionWindow = 0 }, want: "delivery.transaction_window 0s must be between 1ms and 10s"},
		{name: "transaction window past its bound", give: func(c *config.Config) { c.Delivery.TransactionWindow = time.Minute }, want: "delivery.transaction_window 1m0s must be between 1ms and 10s"},
		{name: "more transactions than partitions", give: func(c *config.Config) { c.Delivery.ConcurrentTransactions = 13 }, want: "delivery.concurrent_transactions 13 must be between 1 and topics.partitions (12)"},
		{name: "error rate of no step", give: func(c *config.Config) { c.Faults.ErrorRate["shipment"] = 0.1 }, want: "faults.error_rate.shipment: no such step (steps: payments, shipping, notifications)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.give(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
	if err := config.Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

// Load finds its file as the container's commands need it: --config, else
// ORDERFLOW_CONFIG, else config.yaml in the working directory if present,
// else none (defaults and environment). A named file must exist.
func TestLoadFindsTheFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	named := dir + "/named.yaml"
	if err := os.WriteFile(named, []byte("replay: {max_replays: 7}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{config.PathEnv + "=" + named}

	cfg, err := config.Load("", nil)
	if err != nil || cfg.Replay.MaxReplays != config.Default().Replay.MaxReplays {
		t.Errorf("no file anywhere: max_replays %d, err %v; want the default and no error", cfg.Replay.MaxReplays, err)
	}
	if cfg, err := config.Load("", env); err != nil || cfg.Replay.MaxReplays != 7 {
		t.Errorf("ORDERFLOW_CONFIG: max_replays %d, err %v; want 7 from the named file", cfg.Replay.MaxReplays, err)
	}
	if err := os.WriteFile(config.DefaultPath, []byte("replay: {max_replays: 5}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := config.Load("", nil); err != nil || cfg.Replay.MaxReplays != 5 {
		t.Errorf("config.yaml present: max_replays %d, err %v; want 5 from it", cfg.Replay.MaxReplays, err)
	}
	if cfg, err := config.Load(named, []string{config.PathEnv + "=missing.yaml"}); err != nil || cfg.Replay.MaxReplays != 7 {
		t.Errorf("--config beats ORDERFLOW_CONFIG: max_replays %d, err %v; want 7", cfg.Replay.MaxReplays, err)
	}
	for _, give := range []struct{ path, env string }{{"missing.yaml", ""}, {"", "missing.yaml"}} {
		_, err := config.Load(give.path, []string{config.PathEnv + "=" + give.env})
		if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
			t.Errorf("a named file that does not exist (%+v): err %v; want one naming it", give, err)
		}
	}
}

// A drain longer than the rebalance timeout would get the member expelled.
func TestCloseTimeoutUnderRebalanceTimeout(t *testing.T) {
	_, err := config.Parse([]byte("handler: {close_timeout: 60s}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "handler.close_timeout 1m0s must be positive and under the consumer groups' rebalance timeout 1m0s") {
		t.Errorf("close_timeout 60s: %v, want it refused", err)
	}
	if _, err := config.Parse([]byte("handler: {close_timeout: 59s}\n"), nil); err != nil {
		t.Errorf("close_timeout 59s: %v", err)
	}
}

// What a service binary does with no config must be safe: reach real brokers
// (no in-memory broker whose orders vanish at exit), inject no faults.
func TestEmbeddedAndFaultsOffByDefault(t *testing.T) {
	if d := config.Default(); d.Kafka.Embedded || d.Faults.Inject {
		t.Errorf("defaults: kafka.embedded %v, faults.inject %v; want both off", d.Kafka.Embedded, d.Faults.Inject)
	}
}
