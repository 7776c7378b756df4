package deploy_test

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const chartDir = "helm/orderflow"

// chartCase is the values files the chart is rendered with, over values.yaml.
type chartCase struct {
	name   string
	values []string
}

var chartCases = []chartCase{
	{name: "default"},
	{name: "managed-kafka", values: []string{"values-managed-kafka.yaml"}},
}

// The chart rendered with each values file, for the oldest and the newest
// Kubernetes whose schemas the tools have: every object valid against the
// API's JSON schemas (and KEDA's), strictly, none without a schema; then what
// a schema cannot see: no container as root, probes on the config's port and
// the served paths, the autoscaler within the partitions, every Secret and
// ConfigMap referenced there, and each config orderflow's loader accepts.
func TestChart(t *testing.T) {
	tools := chartTools(t)
	for _, c := range chartCases {
		t.Run(c.name, func(t *testing.T) {
			existing := existingSecrets(t, c.values)
			for _, kube := range tools.kubeVersions {
				t.Run(kube, func(t *testing.T) {
					manifest, err := tools.render(kube, c.values)
					if err != nil {
						t.Fatal(err)
					}
					all := decodeObjects(t, manifest)
					tools.validate(t, kube, manifest, len(all))
					checkKinds(t, all)
					checkSecurity(t, all)
					checkReferences(t, all, existing)
					cfgs := checkConfigs(t, all, existing)
					checkServe(t, all, cfgs)
					checkGateway(t, all, cfgs)
					checkAutoscaler(t, all, cfgs)
					if c.name == "managed-kafka" {
						checkManaged(t, all, cfgs)
					}
				})
			}
		})
	}
}

// Values the chart must refuse to render, each with the reason it gives.
func TestChartRefuses(t *testing.T) {
	tools := chartTools(t)
	for _, tt := range []struct {
		name string
		give []string
		want string
	}{
		{"more replicas than partitions", []string{"autoscaling.maxReplicas=13"}, "above config.topics.partitions 12"},
		{"fewer partitions than replicas", []string{"config.topics.partitions=4"}, "autoscaling.maxReplicas 12 is above config.topics.partitions 4"},
		{"no gateway", []string{"gateway.enabled=false"}, "set gateway.enabled"},
		{"SASL without its password", []string{"config.kafka.sasl.mechanism=SCRAM-SHA-512", "config.kafka.sasl.username=u"}, "kafka.saslPasswordSecret.name"},
		{"no HTTP address", []string{"config.http.addr="}, "config.http.addr is empty"},
		{"a misspelt value (values.schema.json)", []string{"autoscaling.maxReplica=3"}, "additional properties 'maxReplica' not allowed"},
		{"root (values.schema.json)", []string{"securityContext.runAsUser=0"}, "/securityContext/runAsUser"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			for _, s := range tt.give {
				args = append(args, "--set", s)
			}
			_, err := tools.render(tools.kubeVersions[0], nil, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("helm template --set %v: got %v, want an error naming %q", tt.give, err, tt.want)
			}
		})
	}
}

// tools are the pinned helm and kubeconform and the schemas .ci/tools/install.sh
// puts in .ci/tools. Without them the chart's tests are skipped, except under
// CI=true, where .ci/run installs them.
type tools struct {
	helm, kubeconform string
	schemas           []string // kubeconform -schema-location templates
	kubeVersions      []string // the Kubernetes versions schemas are here for, oldest first
}

func chartTools(t *testing.T) tools {
	t.Helper()
	dir, err := filepath.Abs("../.ci/tools")
	if err != nil {
		t.Fatal(err)
	}
	tl := tools{
		helm:        filepath.Join(dir, "bin", "helm"),
		kubeconform: filepath.Join(dir, "bin", "kubeconform"),
		schemas: []string{
			filepath.Join(dir, "schemas/kubernetes/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"),
			filepath.Join(dir, "schemas/crd/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
		},
	}
	versions, _ := filepath.Glob(filepath.Join(dir, "schemas/kubernetes/v*-local-strict"))
	for _, v := range versions {
		tl.kubeVersions = append(tl.kubeVersions, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(v), "v"), "-local-strict"))
	}
	_, errH := os.Stat(tl.helm)
	_, errK := os.Stat(tl.kubeconform)
	crds, _ := filepath.Glob(filepath.Join(dir, "schemas/crd/*.json"))
	if errH != nil || errK != nil || len(versions) == 0 || len(crds) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the chart's tools are not in %s; CI=true needs them (.ci/tools/install.sh)", dir)
		}
		t.Skipf("the chart's tools are not in %s: task test:chart installs them", dir)
	}
	sortVersions(tl.kubeVersions)
	// The chart's oldest Kubernetes is one of them.
	chart, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^kubeVersion: ">=([0-9.]+)-0"$`).FindSubmatch(chart)
	if m == nil || tl.kubeVersions[0] != string(m[1]) {
		t.Fatalf("Chart.yaml's kubeVersion %q: the oldest schemas here are %s's", m, tl.kubeVersions[0])
	}
	return tl
}

// render runs helm template with the values files (in the chart's directory)
// and any more arguments; an error carries helm's output.
func (tl tools) render(kube string, values []string, more ...string) ([]byte, error) {
	args := []string{"template", "orderflow", chartDir, "--namespace", "orderflow", "--kube-version", kube}
	for _, v := range values {
		args = append(args, "--values", filepath.Join(chartDir, v))
	}
	args = append(args, more...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tl.helm, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// No repositories, plugins or cache of the user's.
	home, err := os.MkdirTemp("", "helm")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home)
	if err := cmd.Run(); err != nil {
		return nil, &renderError{args: args, err: err, out: stderr.String()}
	}
	return stdout.Bytes(), nil
}

type renderError struct {
	args []string
	err  error
	out  string
}

func (e *renderError) Error() string {
	return "helm " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.out
}

// validate runs kubeconform -strict on the manifest: every one of its want
// objects valid, none invalid, none without a schema (kubeconform counts a
// missing schema as an error unless told to ignore it; it is not told).
func (tl tools) validate(t *testing.T, kube string, manifest []byte, want int) {
	t.Helper()
	args := []string{"-strict", "-summary", "-output", "json", "-kubernetes-version", kube}
	for _, s := range tl.schemas {
		args = append(args, "-schema-location", s)
	}
	cmd := exec.Command(tl.kubeconform, append(args, "-")...)
	cmd.Stdin = bytes.NewReader(manifest)
	out, err := cmd.Output()
	var report struct {
		Resources []struct {
			Filename, Kind, Name, Status, Msg string
		} `json:"resources"`
		Summary struct {
			Valid, Invalid, Errors, Skipped int
		} `json:"summary"`
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("kubeconform: %v (%v)\n%s", err, jerr, out)
	}
	for _, r := range report.Resources {
		t.Errorf("kubeconform: %s %s: %s: %s", r.Kind, r.Name, r.Status, r.Msg)
	}
	if s := report.Summary; s.Valid != want || s.Invalid+s.Errors+s.Skipped != 0 || err != nil {
		t.Errorf("kubeconform %s: %+v for %d objects (exit: %v)", kube, s, want, err)
	}
}

// existingSecrets reads the `kubectl create secret generic NAME
// --from-file=KEY=…` lines of the values files: the Secrets they tell the team
// to create.
func existingSecrets(t *testing.T, values []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	line := regexp.MustCompile(`kubectl create secret generic (\S+)((?: --from-(?:file|literal)=[^= ]+=\S+)+)`)
	key := regexp.MustCompile(`--from-(?:file|literal)=([^= ]+)=`)
	for _, v := range values {
		f, err := os.Open(filepath.Join(chartDir, v))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if m := line.FindStringSubmatch(sc.Text()); m != nil {
				for _, k := range key.FindAllStringSubmatch(m[2], -1) {
					out[m[1]] = append(out[m[1]], k[1])
				}
			}
		}
		f.Close()
	}
	return out
}

// sortVersions sorts "1.30.0"-style versions, oldest first.
func sortVersions(vs []string) {
	slices.SortFunc(vs, func(a, b string) int {
		pa, pb := strings.Split(a, "."), strings.Split(b, ".")
		for i := range min(len(pa), len(pb)) {
			x, _ := strconv.Atoi(pa[i])
			y, _ := strconv.Atoi(pb[i])
			if x != y {
				return cmp.Compare(x, y)
			}
		}
		return cmp.Compare(len(pa), len(pb))
	})
}
