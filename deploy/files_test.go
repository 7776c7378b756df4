// Package deploy_test checks that the deployment files agree with each other
// and with orderflow's config: names, ports, versions. stack_test.go starts
// the Docker stack itself; these run in milliseconds everywhere.
package deploy_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app/config"
)

type service struct {
	Image       string         `yaml:"image"`
	Build       any            `yaml:"build"`
	Ports       []string       `yaml:"ports"`
	Environment map[string]any `yaml:"environment"`
	DependsOn   map[string]any `yaml:"depends_on"`
	Healthcheck map[string]any `yaml:"healthcheck"`
	Command     []string       `yaml:"command"`
	Extra       map[string]any `yaml:",inline"`
}

func load(t *testing.T) map[string]service {
	t.Helper()
	data, err := os.ReadFile("../docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Services
}

func env(s service, key string) string {
	v, ok := s.Environment[key]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// listeners parses "NAME://host:port,..." into name → host:port.
func listeners(s string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(s, ",") {
		name, addr, _ := strings.Cut(l, "://")
		out[name] = addr
	}
	return out
}

// kafkaServices are the default stack's brokers (not those of a profile).
func kafkaServices(all map[string]service) []string {
	var names []string
	for name, s := range all {
		if strings.HasPrefix(s.Image, "apache/kafka:") && s.Extra["profiles"] == nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func TestComposeReferencesExist(t *testing.T) {
	all := load(t)
	for name, s := range all {
		for dep := range s.DependsOn {
			if _, ok := all[dep]; !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
			}
		}
	}
	if len(kafkaServices(all)) != 3 {
		t.Fatalf("kafka services = %v, want three", kafkaServices(all))
	}
	for _, want := range []string{"orderflow", "kafka-ui"} {
		if _, ok := all[want]; !ok {
			t.Errorf("no %s service", want)
		}
	}
	for _, k := range kafkaServices(all) {
		if all[k].Healthcheck == nil {
			t.Errorf("%s has no healthcheck", k)
		}
		if dep, ok := all["orderflow"].DependsOn[k].(map[string]any); !ok || dep["condition"] != "service_healthy" {
			t.Errorf("orderflow does not wait for %s to be healthy", k)
		}
	}
}

func TestComposeListenersAgree(t *testing.T) {
	all := load(t)
	var internal []string
	for _, name := range kafkaServices(all) {
		s := all[name]
		ls := listeners(env(s, "KAFKA_LISTENERS"))
		adv := listeners(env(s, "KAFKA_ADVERTISED_LISTENERS"))
		for lname, addr := range adv {
			if _, ok := ls[lname]; !ok {
				t.Errorf("%s advertises %s, which it does not listen on", name, lname)
				continue
			}
			_, lport, _ := net.SplitHostPort(ls[lname])
			host, aport, _ := net.SplitHostPort(addr)
			switch lname {
			case "INTERNAL":
				if host != name || aport != lport {
					t.Errorf("%s advertises INTERNAL %s, want %s:%s", name, addr, name, lport)
				}
				internal = append(internal, addr)
			case "EXTERNAL":
				if host != "127.0.0.1" || !slices.Contains(s.Ports, "127.0.0.1:"+aport+":"+lport) {
					t.Errorf("%s advertises EXTERNAL %s but publishes %v", name, addr, s.Ports)
				}
			}
		}
		ports := map[string]bool{}
		for _, addr := range ls {
			_, p, _ := net.SplitHostPort(addr)
			if ports[p] {
				t.Errorf("%s listens twice on port %s", name, p)
			}
			ports[p] = true
		}
		_, cport, _ := net.SplitHostPort(ls["CONTROLLER"])
		if !strings.Contains(env(s, "KAFKA_CONTROLLER_QUORUM_VOTERS"), "@"+name+":"+cport) {
			t.Errorf("%s: voters %s do not name its controller %s:%s", name, env(s, "KAFKA_CONTROLLER_QUORUM_VOTERS"), name, cport)
		}
	}
	if got := strings.Split(env(all["orderflow"], "ORDERFLOW_KAFKA_BROKERS"), ","); !reflect.DeepEqual(got, internal) {
		t.Errorf("orderflow dials %v, want the brokers' INTERNAL addresses %v", got, internal)
	}
	if got := env(all["kafka-ui"], "KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"); got != strings.Join(internal, ",") {
		t.Errorf("kafka-ui bootstraps from %s, want %s", got, strings.Join(internal, ","))
	}
}

// unsetDefault is a compose interpolation with a default.
var unsetDefault = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

// The app in the stack runs config.yaml with the compose file's overrides:
// they must be valid keys, leave the embedded broker off, turn fault injection
// on (task seed's failures), and agree with the
// brokers' replication settings.
func TestComposeConfigMatches(t *testing.T) {
	all := load(t)
	cfg := serviceConfig(t, all, "orderflow")
	if cfg.Kafka.Embedded {
		t.Error("orderflow in the stack would start the embedded broker")
	}
	if !cfg.Faults.Inject {
		t.Error("orderflow in the stack ignores seed's faults: task seed's failures would not happen")
	}
	if want := config.Default().Topics; cfg.Topics.Orders != want.Orders || cfg.Topics.DeadLetter != want.DeadLetter {
		t.Errorf("the stack renames topics: %+v", cfg.Topics)
	}
	for _, k := range kafkaServices(all) {
		s := all[k]
		if got := env(s, "KAFKA_DEFAULT_REPLICATION_FACTOR"); got != fmt.Sprint(cfg.Topics.ReplicationFactor) {
			t.Errorf("%s replication factor %s, orderflow creates topics with %d", k, got, cfg.Topics.ReplicationFactor)
		}
		if got := env(s, "KAFKA_MIN_INSYNC_REPLICAS"); got != fmt.Sprint(cfg.Topics.MinInsyncReplicas) {
			t.Errorf("%s min.insync.replicas %s, orderflow uses %d", k, got, cfg.Topics.MinInsyncReplicas)
		}
		if got := env(s, "KAFKA_AUTO_CREATE_TOPICS_ENABLE"); got != "false" {
			t.Errorf("%s auto-creates topics (%s): a typo in a topic name would go unnoticed", k, got)
		}
	}
}

// serviceConfig is the config orderflow runs with in service name: config.yaml
// with the compose file's environment.
func serviceConfig(t *testing.T, all map[string]service, name string) config.Config {
	t.Helper()
	var environ []string
	for k, v := range all[name].Environment {
		// ${VAR:-default} is the default, as compose reads it with VAR unset
		environ = append(environ, k+"="+unsetDefault.ReplaceAllString(fmt.Sprint(v), "$1"))
	}
	cfg, err := config.Load("../config.yaml", environ)
	if err != nil {
		t.Fatalf("config.yaml with the stack's environment of %s: %v", name, err)
	}
	return cfg
}

// The Docker stack and the local cluster run the same Kafka.
func TestKafkaVersionsAgree(t *testing.T) {
	pom, err := os.ReadFile("kafka/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<kafka.version>(.+)</kafka.version>`).FindSubmatch(pom)
	if m == nil {
		t.Fatal("no kafka.version in deploy/kafka/pom.xml")
	}
	for _, k := range kafkaServices(load(t)) {
		if img := load(t)[k].Image; img != "apache/kafka:"+string(m[1]) {
			t.Errorf("%s runs %s, the local cluster Kafka %s", k, img, m[1])
		}
	}
}

// Every port the stack publishes is on 127.0.0.1: nothing is exposed beyond
// the machine it runs on.
func TestComposePublishesOnLoopbackOnly(t *testing.T) {
	for name, s := range load(t) {
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %q on every interface, want 127.0.0.1:…", name, p)
			}
		}
	}
}

// The build image is the Go release go.mod names (it sets GOTOOLCHAIN=local,
// so an older one fails), and the runtime image is a supported distroless.
func TestDockerfileBaseImages(t *testing.T) {
	df, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	arg := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindSubmatch(df)
	if goLine == nil || arg == nil || string(arg[1]) != string(goLine[1]) {
		t.Errorf("Dockerfile's GO_VERSION %q, go.mod's go %q: want the same release", arg, goLine)
	}
	for _, want := range []string{"FROM golang:${GO_VERSION}-trixie AS build", "FROM gcr.io/distroless/static-debian13:nonroot", "ENV ORDERFLOW_CONFIG=/config.yaml", "--chown=65532:65532"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// The Taskfile parses and has every task README.md, docs/ and the issues promise.
func TestTaskfile(t *testing.T) {
	data, err := os.ReadFile("../Taskfile.yml")
	if err != nil {
		t.Fatal(err)
	}
	var tf struct {
		Tasks map[string]any `yaml:"tasks"`
	}
	if err := yaml.Unmarshal(data, &tf); err != nil {
		t.Fatalf("Taskfile.yml: %v", err)
	}
	for _, want := range []string{"up", "down", "logs", "seed", "dlq", "dlq:replay", "demo", "test", "lint", "kafka:up", "kafka:down", "up:local", "bench", "bench:embedded", "images:offline", "up:ui", "test:stack"} {
		if _, ok := tf.Tasks[want]; !ok {
			t.Errorf("Taskfile.yml has no task %q", want)
		}
	}
	// Every `task X` README.md and docs/ tell a user to run exists.
	pages, _ := filepath.Glob("../docs/*.md")
	for _, page := range append(pages, "../README.md") {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("(?m)(?:^|[\\s`(])task ([a-z][a-z:-]*[a-z])\\b").FindAllStringSubmatch(string(text), -1) {
			if _, ok := tf.Tasks[m[1]]; !ok {
				t.Errorf("%s names task %q; Taskfile.yml has none", page, m[1])
			}
		}
	}
}

// the configuration table (docs/configuration.md) is true: every key it names exists, each
// default it gives is the compiled-in default (setting the key to it changes
// nothing), and every key of the config is in it.
func TestConfigTableIsTheDefaults(t *testing.T) {
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(data)
	row := regexp.MustCompile("(?m)^\\| (`[^|]+) \\| ([^|]+) \\| [^|]+\\|$")
	listed := map[string]bool{}
	defaults := config.Default()
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		keys := regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[1], -1)
		values := regexp.MustCompile("`([^`]*)`").FindAllStringSubmatch(m[2], -1)
		var first string
		for i, k := range keys {
			key := k[1]
			if strings.HasPrefix(key, ".") { // `topics.orders`, `.payments`: same section
				key = first[:strings.LastIndex(first, ".")] + key
			} else {
				first = key
			}
			listed[key] = true
			if strings.Contains(key, "<") {
				continue // a map by step: no default entries
			}
			if len(values) != 1 && len(values) != len(keys) {
				t.Errorf("docs/configuration.md row %s: %d defaults for %d keys", m[1], len(values), len(keys))
				continue
			}
			value := values[min(i, len(values)-1)][1]
			value = strings.Trim(value, `"`)
			env := config.EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_")) + "=" + value
			got, err := config.Parse(nil, []string{env})
			if err != nil {
				t.Errorf("docs/configuration.md's default for %s, %q: %v", key, value, err)
				continue
			}
			if !reflect.DeepEqual(got, defaults) {
				t.Errorf("docs/configuration.md gives %s the default %q; the compiled-in default differs", key, value)
			}
		}
	}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		for i := range v.NumField() {
			key := prefix + strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
			switch f := v.Field(i); f.Kind() {
			case reflect.Struct:
				walk(key+".", f)
			case reflect.Map:
				if !listed[key+".<step>"] {
					t.Errorf("the configuration table (docs/configuration.md) lacks %s.<step>", key)
				}
			default:
				if !listed[key] {
					t.Errorf("the configuration table (docs/configuration.md) lacks %s", key)
				}
			}
		}
	}
	walk("", reflect.ValueOf(defaults))
}

// The Grafana dashboard reads the provisioned data source, and every metric
// its queries name is one the metrics table of docs/operations.md lists (the queries themselves
// run against a real Prometheus in app's TestPrometheusScrapes).
func TestGrafanaDashboard(t *testing.T) {
	var ds struct {
		Datasources []struct{ UID, URL string }
	}
	data, err := os.ReadFile("grafana/provisioning/datasources/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &ds); err != nil || len(ds.Datasources) != 1 {
		t.Fatalf("datasources: %v %+v", err, ds)
	}
	if _, ok := load(t)["prometheus"]; !ok || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("data source URL %q, want the compose service http://prometheus:9090", ds.Datasources[0].URL)
	}
	var d struct {
		UID    string
		Panels []struct {
			Title      string
			Datasource struct{ UID string }
			Targets    []struct{ Expr string }
		}
	}
	data, err = os.ReadFile("grafana/dashboards/orderflow.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	metric := regexp.MustCompile(`\borderflow_[a-z_]+`)
	for _, p := range d.Panels {
		if p.Datasource.UID != ds.Datasources[0].UID || len(p.Targets) == 0 {
			t.Errorf("panel %q: data source %q, %d queries", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, tg := range p.Targets {
			for _, m := range metric.FindAllString(tg.Expr, -1) {
				m = strings.TrimSuffix(m, "_bucket")
				if !strings.Contains(string(readme), "| `"+m+"` |") {
					t.Errorf("panel %q: %s is not in the metrics table of docs/operations.md", p.Title, m)
				}
			}
		}
	}
}

// The stack's orderflow is stateless replicas charging through the gateway
// service, which alone keeps the idempotency records, on a volume.
func TestComposeReplicasAreStateless(t *testing.T) {
	all := load(t)
	of, gw := all["orderflow"], all["gateway"]
	deploy, _ := of.Extra["deploy"].(map[string]any)
	replicas, _ := deploy["replicas"].(int)
	if replicas < 2 {
		t.Fatalf("orderflow runs %v replicas, want several", deploy["replicas"])
	}
	// A fixed host name would be every replica's, and so its exactly_once
	// transactional IDs: they would fence each other.
	if of.Extra["hostname"] != nil || of.Extra["container_name"] != nil {
		t.Errorf("orderflow sets hostname %v / container_name %v: its replicas would share it", of.Extra["hostname"], of.Extra["container_name"])
	}
	if of.Extra["volumes"] != nil || env(of, "ORDERFLOW_GATEWAY_STORE_PATH") != "" {
		t.Errorf("orderflow keeps state: volumes %v, gateway store %q", of.Extra["volumes"], env(of, "ORDERFLOW_GATEWAY_STORE_PATH"))
	}
	// One published port per replica, from 8081 (task up's console URL).
	if len(of.Ports) != 1 {
		t.Fatalf("orderflow publishes %v, want one port range", of.Ports)
	}
	var first, last int
	if _, err := fmt.Sscanf(of.Ports[0], "127.0.0.1:%d-%d:8081", &first, &last); err != nil || first != 8081 || last-first+1 != replicas {
		t.Errorf("orderflow publishes %q: want 127.0.0.1:8081-%d:8081, a port for each of its %d replicas", of.Ports[0], 8081+replicas-1, replicas)
	}
	for name, s := range all {
		for _, p := range s.Ports {
			var port int
			if _, err := fmt.Sscanf(p, "127.0.0.1:%d:", &port); err == nil && name != "orderflow" && port >= first && port <= last {
				t.Errorf("%s publishes %d, in orderflow's range %s", name, port, of.Ports[0])
			}
		}
	}

	serviceConfig(t, all, "gateway") // valid keys and values
	if !slices.Equal(gw.Command, []string{"gateway"}) || gw.Healthcheck == nil || gw.Extra["deploy"] != nil {
		t.Errorf("gateway: command %v, healthcheck %v, deploy %v; want orderflow gateway, one instance, with a healthcheck", gw.Command, gw.Healthcheck, gw.Extra["deploy"])
	}
	_, port, err := net.SplitHostPort(env(gw, "ORDERFLOW_GATEWAY_LISTEN"))
	if err != nil || !strings.HasPrefix(env(gw, "ORDERFLOW_GATEWAY_LISTEN"), "0.0.0.0:") {
		t.Errorf("gateway listens on %q, want 0.0.0.0:port (other containers reach it)", env(gw, "ORDERFLOW_GATEWAY_LISTEN"))
	}
	// Its health check asks its own listener.
	if test, _ := gw.Healthcheck["test"].([]any); fmt.Sprint(test) != "[CMD /orderflow health --gateway]" {
		t.Errorf("gateway's healthcheck %v, want orderflow health --gateway (gateway.listen)", test)
	}
	store := env(gw, "ORDERFLOW_GATEWAY_STORE_PATH")
	onVolume := false
	for _, v := range gw.Extra["volumes"].([]any) {
		src, dst, _ := strings.Cut(fmt.Sprint(v), ":")
		onVolume = onVolume || (!strings.HasPrefix(src, ".") && store != "" && strings.HasPrefix(store, dst+"/"))
	}
	if !onVolume || env(gw, "ORDERFLOW_FAULTS_INJECT") != "true" {
		t.Errorf("gateway's store %q on a named volume %t (volumes %v); faults.inject %q, want true as orderflow's", store, onVolume, gw.Extra["volumes"], env(gw, "ORDERFLOW_FAULTS_INJECT"))
	}
	for _, name := range []string{"orderflow", "orderflow-secure"} {
		s := all[name]
		if got := env(s, "ORDERFLOW_GATEWAY_URL"); got != "http://gateway:"+port {
			t.Errorf("%s reaches the gateway at %q, want http://gateway:%s", name, got, port)
		}
		if dep, ok := s.DependsOn["gateway"].(map[string]any); !ok || dep["condition"] != "service_healthy" {
			t.Errorf("%s does not wait for the gateway to be healthy", name)
		}
	}
}
