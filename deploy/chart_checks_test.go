package deploy_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
)

// checkKinds: the chart renders only kinds these checks know; a new kind
// (a CronJob, a bare Pod) would otherwise escape the pod checks.
func checkKinds(t *testing.T, all objects) {
	t.Helper()
	known := []string{"ConfigMap", "Secret", "Service", "Deployment", "StatefulSet", "PodDisruptionBudget", "ScaledObject", "TriggerAuthentication", "HorizontalPodAutoscaler"}
	for _, o := range all {
		if !slices.Contains(known, o.Kind) {
			t.Errorf("%s %s: a kind the chart's checks do not read; teach them", o.Kind, o.Metadata.Name)
		}
	}
	if len(all.workloads()) == 0 {
		t.Error("the chart renders no Deployment or StatefulSet")
	}
}

// checkSecurity: every pod and every container of the chart runs as a
// numeric non-root user, on a read-only root filesystem, without privilege
// escalation or capabilities, under the runtime's seccomp profile — the
// restricted Pod Security profile.
func checkSecurity(t *testing.T, all objects) {
	t.Helper()
	for _, w := range all.workloads() {
		pod := w.Spec.Template.Spec
		where := w.Kind + " " + w.Metadata.Name
		psc := pod.SecurityContext
		if psc == nil {
			t.Errorf("%s: no pod securityContext", where)
			psc = &securityContext{}
		}
		if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s: the pod may run as root (runAsNonRoot %v, runAsUser %v)", where, deref(psc.RunAsNonRoot), deref(psc.RunAsUser))
		}
		if psc.SeccompProfile == nil || psc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("%s: the pod's seccompProfile is not RuntimeDefault", where)
		}
		if pod.HostNetwork || pod.HostPID || pod.HostIPC {
			t.Errorf("%s: shares the node's network, PID or IPC namespace", where)
		}
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			where := where + " container " + c.Name
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s: no securityContext", where)
				continue
			}
			// A container's own fields win over the pod's.
			nonRoot := cmpOr(sc.RunAsNonRoot, psc.RunAsNonRoot)
			uid := cmpOr(sc.RunAsUser, psc.RunAsUser)
			if nonRoot == nil || !*nonRoot || uid == nil || *uid == 0 {
				t.Errorf("%s: may run as root (runAsNonRoot %v, runAsUser %v)", where, deref(nonRoot), deref(uid))
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: the root filesystem is writable", where)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation is not false", where)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("%s: privileged", where)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s: capabilities are not drop [ALL], add none", where)
			}
			if sc.SeccompProfile != nil && sc.SeccompProfile.Type != "RuntimeDefault" {
				t.Errorf("%s: seccompProfile %s", where, sc.SeccompProfile.Type)
			}
		}
	}
}

func cmpOr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// checkReferences: every Secret and ConfigMap a pod or KEDA's
// TriggerAuthentication names is rendered by the chart, or is one the values
// file tells the team to create, and has the key named; every volume mount
// names a volume.
func checkReferences(t *testing.T, all objects, existing map[string][]string) {
	t.Helper()
	secret := func(where, name, key string) {
		t.Helper()
		if o, ok := all.find("Secret", name); ok {
			if _, ok := o.Data[key]; !ok && key != "" {
				t.Errorf("%s: Secret %s has no key %q", where, name, key)
			}
			return
		}
		keys, ok := existing[name]
		if !ok {
			t.Errorf("%s: Secret %s is neither rendered nor one the values file has the team create", where, name)
		} else if key != "" && !slices.Contains(keys, key) {
			t.Errorf("%s: Secret %s, as the values file has it created, has no key %q (it has %v)", where, name, key, keys)
		}
	}
	configMap := func(where, name, key string) {
		t.Helper()
		o, ok := all.find("ConfigMap", name)
		if !ok {
			t.Errorf("%s: ConfigMap %s is not rendered", where, name)
		} else if _, ok := o.Data[key]; !ok && key != "" {
			t.Errorf("%s: ConfigMap %s has no key %q", where, name, key)
		}
	}
	for _, w := range all.workloads() {
		pod := w.Spec.Template.Spec
		where := w.Kind + " " + w.Metadata.Name
		volumes := map[string]bool{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = true
			switch {
			case v.Secret != nil:
				secret(where+" volume "+v.Name, v.Secret.SecretName, "")
				for _, it := range v.Secret.Items {
					secret(where+" volume "+v.Name, v.Secret.SecretName, it.Key)
				}
			case v.ConfigMap != nil:
				configMap(where+" volume "+v.Name, v.ConfigMap.Name, "")
				for _, it := range v.ConfigMap.Items {
					configMap(where+" volume "+v.Name, v.ConfigMap.Name, it.Key)
				}
			}
		}
		for _, vct := range w.Spec.VolumeClaimTemplates {
			volumes[vct.Metadata.Name] = true
		}
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			for _, m := range c.VolumeMounts {
				if !volumes[m.Name] {
					t.Errorf("%s container %s mounts %s: no such volume", where, c.Name, m.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					secret(where+" env "+e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
				}
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
					configMap(where+" env "+e.Name, e.ValueFrom.ConfigMapKeyRef.Name, e.ValueFrom.ConfigMapKeyRef.Key)
				}
			}
			for _, e := range c.EnvFrom {
				if e.SecretRef != nil {
					secret(where+" envFrom", e.SecretRef.Name, "")
				}
				if e.ConfigMapRef != nil {
					configMap(where+" envFrom", e.ConfigMapRef.Name, "")
				}
			}
		}
	}
	for _, ta := range all.ofKind("TriggerAuthentication") {
		for _, r := range ta.Spec.SecretTargetRef {
			secret("TriggerAuthentication "+ta.Metadata.Name+" "+r.Parameter, r.Name, r.Key)
		}
		for _, r := range ta.Spec.ConfigMapTargetRef {
			configMap("TriggerAuthentication "+ta.Metadata.Name+" "+r.Parameter, r.Name, r.Key)
		}
	}
	for _, so := range all.ofKind("ScaledObject") {
		for _, tr := range so.Spec.Triggers {
			if tr.AuthenticationRef != nil {
				if _, ok := all.find("TriggerAuthentication", tr.AuthenticationRef.Name); !ok {
					t.Errorf("ScaledObject %s: TriggerAuthentication %s is not rendered", so.Metadata.Name, tr.AuthenticationRef.Name)
				}
			}
		}
		if _, ok := all.find(so.Spec.ScaleTargetRef.Kind, so.Spec.ScaleTargetRef.Name); !ok {
			t.Errorf("ScaledObject %s scales %s %s: not rendered", so.Metadata.Name, so.Spec.ScaleTargetRef.Kind, so.Spec.ScaleTargetRef.Name)
		}
	}
}

// loaded is one container's config as orderflow loads it, with the raw YAML
// for keys another branch of app/config may name differently.
type loaded struct {
	workload  object
	container container
	cfg       config.Config
	raw       map[string]any
}

// configs are the loaded configs by container name ("orderflow", "gateway").
type configs map[string]loaded

// checkConfigs loads the config file each container's `--config` names, from
// the ConfigMap mounted there, with the container's environment, through
// app/config's own Parse: strict keys, every value validated. The files the
// config names (the SASL password, the CA, the console token) must lie on a
// mounted Secret's key; Parse reads them from stand-ins in a temporary
// directory — the rendered Secret's value where the chart makes it, else a
// generated CA certificate or a password — since the real ones exist only
// in the cluster.
func checkConfigs(t *testing.T, all objects, existing map[string][]string) configs {
	t.Helper()
	out := configs{}
	for _, w := range all.workloads() {
		pod := w.Spec.Template.Spec
		for _, c := range pod.Containers {
			where := w.Kind + " " + w.Metadata.Name + " container " + c.Name
			file, ok := c.configArg()
			if !ok {
				t.Errorf("%s: no --config FILE (the image's /config.yaml is not the chart's)", where)
				continue
			}
			data, err := mountedFile(all, pod, c, file)
			if err != nil {
				t.Errorf("%s: --config %s: %v", where, file, err)
				continue
			}
			var raw map[string]any
			if err := yaml.Unmarshal(data, &raw); err != nil {
				t.Errorf("%s: %s: %v", where, file, err)
				continue
			}
			// The files the config names, each from a mounted Secret.
			dir := t.TempDir()
			for _, key := range []string{"kafka.tls.ca_file", "kafka.tls.cert_file", "kafka.tls.key_file", "kafka.sasl.password_file", "console.token_file"} {
				p, _ := lookupKey(raw, key).(string)
				if p == "" {
					continue
				}
				content, err := secretFile(all, pod, c, p, key)
				if err != nil {
					t.Errorf("%s: %s %s: %v", where, key, p, err)
					continue
				}
				standIn := filepath.Join(dir, strings.ReplaceAll(key, ".", "_"))
				if err := os.WriteFile(standIn, content, 0o600); err != nil {
					t.Fatal(err)
				}
				setKey(raw, key, standIn)
			}
			var environ []string
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					environ = append(environ, e.Name+"="+e.Value)
				} else {
					environ = append(environ, e.Name+"=from-a-secret") // a Secret's value: its presence is what counts
				}
			}
			data, err = yaml.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(data, environ)
			if err != nil {
				t.Errorf("%s: orderflow refuses its config %s:\n%v\n%s", where, file, err, data)
				continue
			}
			out[c.Name] = loaded{workload: w, container: c, cfg: cfg, raw: raw}
		}
	}
	return out
}

// mountedFile is the content of path inside container c: a ConfigMap's key
// mounted there (as a subPath, or a key of a mounted directory).
func mountedFile(all objects, pod podSpec, c container, p string) ([]byte, error) {
	vol, key, err := volumeAt(pod, c, p)
	if err != nil {
		return nil, err
	}
	if vol.ConfigMap == nil {
		return nil, fmt.Errorf("volume %s is not a ConfigMap", vol.Name)
	}
	cm, ok := all.find("ConfigMap", vol.ConfigMap.Name)
	if !ok {
		return nil, fmt.Errorf("ConfigMap %s is not rendered", vol.ConfigMap.Name)
	}
	data, ok := cm.Data[key]
	if !ok {
		return nil, fmt.Errorf("ConfigMap %s has no key %q", cm.Metadata.Name, key)
	}
	return []byte(data), nil
}

// secretFile is a stand-in for the file at p inside c, which must be a key of
// a mounted Secret: the rendered Secret's value, or for a Secret the team
// creates, a CA certificate (configKey ca_file) or a password.
func secretFile(all objects, pod podSpec, c container, p, configKey string) ([]byte, error) {
	vol, key, err := volumeAt(pod, c, p)
	if err != nil {
		return nil, err
	}
	if vol.Secret == nil {
		return nil, fmt.Errorf("volume %s is not a Secret", vol.Name)
	}
	if s, ok := all.find("Secret", vol.Secret.SecretName); ok {
		v, ok := s.Data[key]
		if !ok {
			return nil, fmt.Errorf("Secret %s has no key %q", s.Metadata.Name, key)
		}
		return base64.StdEncoding.DecodeString(v)
	}
	// checkReferences holds the Secret to the ones the team creates.
	if strings.HasSuffix(configKey, "ca_file") {
		return testCA()
	}
	return []byte("a-password-from-a-secret\n"), nil
}

// volumeAt finds the volume mounted at file p in c and the key p is: a
// subPath mount of exactly p, or a directory mount holding p, through the
// volume's items when it lists them.
func volumeAt(pod podSpec, c container, p string) (volume, string, error) {
	for _, m := range c.VolumeMounts {
		var key string
		switch {
		case m.SubPath != "" && m.MountPath == p:
			key = m.SubPath
		case m.SubPath == "" && strings.HasPrefix(p, strings.TrimSuffix(m.MountPath, "/")+"/"):
			key = strings.TrimPrefix(p, strings.TrimSuffix(m.MountPath, "/")+"/")
		default:
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name {
				continue
			}
			var items []keyToPath
			if v.Secret != nil {
				items = v.Secret.Items
			} else if v.ConfigMap != nil {
				items = v.ConfigMap.Items
			}
			if len(items) == 0 {
				return v, key, nil
			}
			for _, it := range items {
				if it.Path == key {
					return v, it.Key, nil
				}
			}
			return volume{}, "", fmt.Errorf("volume %s lists no item at %q", v.Name, key)
		}
		return volume{}, "", fmt.Errorf("mount %s names no volume", m.Name)
	}
	return volume{}, "", fmt.Errorf("nothing is mounted at %s", p)
}

// testCA is a self-signed CA certificate in PEM, as the CA Secret holds.
func testCA() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chart test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func lookupKey(m map[string]any, key string) any {
	var v any = m
	for _, part := range strings.Split(key, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[part]
	}
	return v
}

func setKey(m map[string]any, key, value string) {
	parts := strings.Split(key, ".")
	for _, part := range parts[:len(parts)-1] {
		m = m[part].(map[string]any)
	}
	m[parts[len(parts)-1]] = value
}

// checkServe: serve's probes ask /healthz and /readyz on http.addr's port,
// which app/httpserver serves; the Service reaches that port; the pod's grace
// period outlasts serve's drain (handler.close_timeout + 10 s, app/cli/serve.go).
func checkServe(t *testing.T, all objects, cfgs configs) {
	t.Helper()
	serve, ok := cfgs["orderflow"]
	if !ok {
		t.Fatal("no container orderflow with a config orderflow accepts")
	}
	c, cfg := serve.container, serve.cfg
	if got := slices.Concat(c.Command, c.Args); len(got) < 2 || got[0] != "/orderflow" || got[1] != "serve" {
		t.Errorf("container orderflow runs %v, not /orderflow serve", got)
	}
	_, portText, err := net.SplitHostPort(cfg.HTTP.Addr)
	if err != nil {
		t.Fatalf("http.addr %q: %v", cfg.HTTP.Addr, err)
	}
	want, _ := strconv.Atoi(portText)
	probes := map[string]*probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe}
	for wantPath, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("container orderflow: no HTTP probe for %s", wantPath)
			continue
		}
		port, err := c.port(p.HTTPGet.Port)
		if err != nil || port != want || p.HTTPGet.Path != wantPath {
			t.Errorf("container orderflow probes %s on port %d (%v), want %s on http.addr's port %d", p.HTTPGet.Path, port, err, wantPath, want)
		}
	}
	// The paths are served: app/httpserver on the same HTTP config, on a free port.
	h := cfg.HTTP
	h.Addr = "127.0.0.1:0"
	srv := httpserver.New(h, readyStub{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())
	for path := range probes {
		resp, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s on app/httpserver: %d, want 200", path, resp.StatusCode)
		}
	}
	checkServicePort(t, all, serve, want)
	grace := serve.workload.Spec.Template.Spec.TerminationGracePeriodSeconds
	if drain := cfg.Handler.CloseTimeout + 10*time.Second; grace == nil || time.Duration(*grace)*time.Second <= drain {
		t.Errorf("terminationGracePeriodSeconds %v: serve's drain takes up to handler.close_timeout + 10 s = %s; SIGKILL would cut it", deref(grace), drain)
	}
}

type readyStub struct{}

func (readyStub) Ready(context.Context) error { return nil }

// checkServicePort: a Service selects the workload's pods and sends its
// target port to want.
func checkServicePort(t *testing.T, all objects, l loaded, want int) {
	t.Helper()
	for _, svc := range all.ofKind("Service") {
		for _, sp := range svc.Spec.Ports {
			if p, err := l.container.port(sp.TargetPort); err == nil && p == want && all.serviceFor(svc) == l.workload.Metadata.Name {
				return
			}
		}
	}
	t.Errorf("no Service sends a port to %s's container %s port %d", l.workload.Metadata.Name, l.container.Name, want)
}

// checkGateway: serve's gateway.url names a Service of the chart whose port
// reaches the gateway container on gateway.listen's port, the gateway keeps
// its records on its volume and its grace period outlasts its drain
// (http.write_timeout + 5 s, app/cli/gateway.go on branch gw) — or, with the
// gateway outside the chart, gateway.url is an http(s) URL.
func checkGateway(t *testing.T, all objects, cfgs configs) {
	t.Helper()
	serveURL, _ := lookupKey(cfgs["orderflow"].raw, "gateway.url").(string)
	u, err := url.Parse(serveURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Fatalf("serve's gateway.url %q is not an http(s) URL: serve would keep idempotency records in memory", serveURL)
	}
	gw, ok := cfgs["gateway"]
	if !ok {
		if sts := all.ofKind("StatefulSet"); len(sts) > 0 {
			t.Errorf("StatefulSet %s renders without a gateway container orderflow accepts", sts[0].Metadata.Name)
		}
		return // an external gateway
	}
	c := gw.container
	if got := slices.Concat(c.Command, c.Args); len(got) < 2 || got[0] != "/orderflow" || got[1] != "gateway" {
		t.Errorf("container gateway runs %v, not /orderflow gateway", got)
	}
	if gw.workload.Kind != "StatefulSet" || gw.workload.Spec.Replicas == nil || *gw.workload.Spec.Replicas != 1 {
		t.Errorf("the gateway runs in %s %s with replicas %v, want a StatefulSet of 1", gw.workload.Kind, gw.workload.Metadata.Name, deref(gw.workload.Spec.Replicas))
	}
	listen, _ := lookupKey(gw.raw, "gateway.listen").(string)
	host, portText, err := net.SplitHostPort(listen)
	if err != nil || (host != "0.0.0.0" && host != "") {
		t.Errorf("the gateway's gateway.listen %q: want 0.0.0.0:PORT, reachable from other pods", listen)
	}
	want, _ := strconv.Atoi(portText)
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Error("container gateway: no readiness probe on /healthz")
	} else if p, err := c.port(c.ReadinessProbe.HTTPGet.Port); err != nil || p != want {
		t.Errorf("container gateway probes port %d (%v), gateway.listen's is %d", p, err, want)
	}
	// serve's URL: the Service's name and port, which reaches the container on gateway.listen's port.
	svc, ok := all.find("Service", u.Hostname())
	if !ok || all.serviceFor(svc) != gw.workload.Metadata.Name {
		t.Errorf("serve's gateway.url %s: no Service %s of the gateway's pods", serveURL, u.Hostname())
	} else {
		reached := false
		for _, sp := range svc.Spec.Ports {
			p, err := c.port(sp.TargetPort)
			reached = reached || (strconv.Itoa(sp.Port) == u.Port() && err == nil && p == want)
		}
		if !reached {
			t.Errorf("serve's gateway.url %s: Service %s has no port %s to the gateway's %d", serveURL, svc.Metadata.Name, u.Port(), want)
		}
	}
	grace := gw.workload.Spec.Template.Spec.TerminationGracePeriodSeconds
	if drain := gw.cfg.HTTP.WriteTimeout + 5*time.Second; grace == nil || time.Duration(*grace)*time.Second <= drain {
		t.Errorf("the gateway's terminationGracePeriodSeconds %v: it finishes requests in flight within http.write_timeout + 5 s = %s; SIGKILL would cut them", deref(grace), drain)
	}
	// The records on the volume claim, not the pod's filesystem.
	store, _ := lookupKey(gw.raw, "gateway.store_path").(string)
	onClaim := false
	for _, m := range c.VolumeMounts {
		for _, vct := range gw.workload.Spec.VolumeClaimTemplates {
			if m.Name == vct.Metadata.Name && strings.HasPrefix(path.Clean(store), strings.TrimSuffix(m.MountPath, "/")+"/") {
				onClaim = true
			}
		}
	}
	if !onClaim {
		t.Errorf("the gateway's gateway.store_path %q is not on its volume claim", store)
	}
}

// checkAutoscaler: one autoscaler for serve, its maximum at most
// topics.partitions (a consumer past them gets none), one KEDA trigger per
// step on the step's consumer group (after kafka.group_prefix) and input topic (app.Pipeline), on the
// config's brokers, never asking for idle consumers.
func checkAutoscaler(t *testing.T, all objects, cfgs configs) {
	t.Helper()
	serve := cfgs["orderflow"]
	cfg := serve.cfg
	scalers := all.ofKind("ScaledObject")
	hpas := all.ofKind("HorizontalPodAutoscaler")
	if len(scalers)+len(hpas) != 1 {
		t.Fatalf("%d ScaledObjects and %d HorizontalPodAutoscalers, want one autoscaler", len(scalers), len(hpas))
	}
	for _, h := range hpas {
		if h.Spec.MaxReplicas == nil || *h.Spec.MaxReplicas > cfg.Topics.Partitions {
			t.Errorf("HorizontalPodAutoscaler %s: maxReplicas %v is above topics.partitions %d", h.Metadata.Name, deref(h.Spec.MaxReplicas), cfg.Topics.Partitions)
		}
	}
	for _, so := range scalers {
		if so.Spec.ScaleTargetRef.Name != serve.workload.Metadata.Name {
			t.Errorf("ScaledObject %s scales %s, not serve's %s", so.Metadata.Name, so.Spec.ScaleTargetRef.Name, serve.workload.Metadata.Name)
		}
		if so.Spec.MaxReplicaCount == nil || *so.Spec.MaxReplicaCount > cfg.Topics.Partitions {
			t.Errorf("ScaledObject %s: maxReplicaCount %v is above topics.partitions %d", so.Metadata.Name, deref(so.Spec.MaxReplicaCount), cfg.Topics.Partitions)
		}
		if so.Spec.MinReplicaCount == nil || so.Spec.MaxReplicaCount == nil || *so.Spec.MinReplicaCount < 1 || *so.Spec.MinReplicaCount > *so.Spec.MaxReplicaCount {
			t.Errorf("ScaledObject %s: minReplicaCount %v, want between 1 and maxReplicaCount", so.Metadata.Name, deref(so.Spec.MinReplicaCount))
		}
		if serve.workload.Spec.Replicas != nil {
			t.Errorf("Deployment %s sets replicas under an autoscaler: every upgrade would reset them", serve.workload.Metadata.Name)
		}
		want := map[string]string{}
		for _, r := range app.Pipeline(cfg.Topics, nil, nil) {
			want[cfg.Kafka.Group(r.Name)] = r.From
		}
		got := map[string]string{}
		for _, tr := range so.Spec.Triggers {
			m := tr.Metadata
			if tr.Type != "kafka" {
				t.Errorf("ScaledObject %s: trigger %s, want kafka", so.Metadata.Name, tr.Type)
				continue
			}
			got[m["consumerGroup"]] = m["topic"]
			if m["bootstrapServers"] != strings.Join(cfg.Kafka.Brokers, ",") {
				t.Errorf("trigger %s: bootstrapServers %q, kafka.brokers %v", m["consumerGroup"], m["bootstrapServers"], cfg.Kafka.Brokers)
			}
			if m["allowIdleConsumers"] == "true" {
				t.Errorf("trigger %s: allowIdleConsumers lets KEDA ask for more consumers than partitions", m["consumerGroup"])
			}
			if (m["tls"] == "enable") != cfg.Kafka.TLS.Enabled {
				t.Errorf("trigger %s: tls %q, kafka.tls.enabled %v", m["consumerGroup"], m["tls"], cfg.Kafka.TLS.Enabled)
			}
			wantSASL := map[string]string{"": "", "PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}[cfg.Kafka.SASL.Mechanism]
			if m["sasl"] != wantSASL {
				t.Errorf("trigger %s: sasl %q, want %q for kafka.sasl.mechanism %q", m["consumerGroup"], m["sasl"], wantSASL, cfg.Kafka.SASL.Mechanism)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("ScaledObject %s watches groups → topics %v, the pipeline's steps are %v", so.Metadata.Name, got, want)
		}
	}
}

// checkManaged: the managed-Kafka values are what their file says: SASL_SSL
// with SCRAM and the CA from a Secret, replication 3, nothing embedded, no
// injected faults, the gateway outside the chart.
func checkManaged(t *testing.T, all objects, cfgs configs) {
	t.Helper()
	cfg := cfgs["orderflow"].cfg
	k := cfg.Kafka
	if k.Embedded || !k.TLS.Enabled || k.TLS.CAFile == "" || k.TLS.InsecureSkipVerify || !strings.HasPrefix(k.SASL.Mechanism, "SCRAM-") || k.SASL.PasswordFile == "" {
		t.Errorf("managed Kafka: embedded %v, tls %v (ca_file %q, insecure %v), sasl %q (password_file %q): want SASL_SSL with SCRAM, the CA and password from Secrets",
			k.Embedded, k.TLS.Enabled, k.TLS.CAFile, k.TLS.InsecureSkipVerify, k.SASL.Mechanism, k.SASL.PasswordFile)
	}
	if cfg.Topics.ReplicationFactor != 3 || cfg.Topics.MinInsyncReplicas != 2 {
		t.Errorf("managed Kafka: replication_factor %d, min_insync_replicas %d, want 3 and 2", cfg.Topics.ReplicationFactor, cfg.Topics.MinInsyncReplicas)
	}
	if cfg.Faults.Inject {
		t.Error("managed Kafka: faults.inject is on")
	}
	if len(all.ofKind("StatefulSet")) > 0 {
		t.Error("managed Kafka: renders a StatefulSet; the gateway is reached at its own URL")
	}
}
