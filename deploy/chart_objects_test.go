package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// object is the part of a rendered Kubernetes object the chart's checks read;
// kubeconform holds every field to the API's schemas.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"` // ConfigMap; Secret (base64)
	Spec objectSpec        `yaml:"spec"`
}

type objectSpec struct {
	// Deployment, StatefulSet
	Replicas *int `yaml:"replicas"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
	VolumeClaimTemplates []struct {
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	} `yaml:"volumeClaimTemplates"`
	// Service: a map of labels; a workload's: matchLabels
	Selector  map[string]any `yaml:"selector"`
	ClusterIP string         `yaml:"clusterIP"`
	Ports     []servicePort  `yaml:"ports"`
	// ScaledObject
	ScaleTargetRef struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"scaleTargetRef"`
	MinReplicaCount *int      `yaml:"minReplicaCount"`
	MaxReplicaCount *int      `yaml:"maxReplicaCount"`
	Triggers        []trigger `yaml:"triggers"`
	// HorizontalPodAutoscaler
	MaxReplicas *int `yaml:"maxReplicas"`
	// TriggerAuthentication
	SecretTargetRef    []targetRef `yaml:"secretTargetRef"`
	ConfigMapTargetRef []targetRef `yaml:"configMapTargetRef"`
}

type podSpec struct {
	SecurityContext               *securityContext `yaml:"securityContext"`
	Containers                    []container      `yaml:"containers"`
	InitContainers                []container      `yaml:"initContainers"`
	Volumes                       []volume         `yaml:"volumes"`
	TerminationGracePeriodSeconds *int64           `yaml:"terminationGracePeriodSeconds"`
	HostNetwork                   bool             `yaml:"hostNetwork"`
	HostPID                       bool             `yaml:"hostPID"`
	HostIPC                       bool             `yaml:"hostIPC"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             *struct {
		Add  []string `yaml:"add"`
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile *struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type container struct {
	Name    string   `yaml:"name"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe   *probe           `yaml:"livenessProbe"`
	ReadinessProbe  *probe           `yaml:"readinessProbe"`
	StartupProbe    *probe           `yaml:"startupProbe"`
	SecurityContext *securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		SubPath   string `yaml:"subPath"`
	} `yaml:"volumeMounts"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		SecretRef    *keyRef `yaml:"secretRef"`
		ConfigMapRef *keyRef `yaml:"configMapRef"`
	} `yaml:"envFrom"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"` // a number or a container port's name
	} `yaml:"httpGet"`
}

type volume struct {
	Name   string `yaml:"name"`
	Secret *struct {
		SecretName string      `yaml:"secretName"`
		Items      []keyToPath `yaml:"items"`
	} `yaml:"secret"`
	ConfigMap *struct {
		Name  string      `yaml:"name"`
		Items []keyToPath `yaml:"items"`
	} `yaml:"configMap"`
	EmptyDir *struct{} `yaml:"emptyDir"`
}

type keyToPath struct {
	Key  string `yaml:"key"`
	Path string `yaml:"path"`
}

type servicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort any    `yaml:"targetPort"`
}

type trigger struct {
	Type              string            `yaml:"type"`
	Metadata          map[string]string `yaml:"metadata"`
	AuthenticationRef *struct {
		Name string `yaml:"name"`
	} `yaml:"authenticationRef"`
}

type targetRef struct {
	Parameter string `yaml:"parameter"`
	Name      string `yaml:"name"`
	Key       string `yaml:"key"`
}

// objects is one render of the chart.
type objects []object

// decodeObjects reads helm's multi-document output; empty documents are skipped.
func decodeObjects(t *testing.T, manifest []byte) objects {
	t.Helper()
	var out objects
	dec := yaml.NewDecoder(bytes.NewReader(manifest))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decode the rendered chart: %v", err)
		}
		if o.Kind != "" {
			out = append(out, o)
		}
	}
}

func (all objects) find(kind, name string) (object, bool) {
	for _, o := range all {
		if o.Kind == kind && o.Metadata.Name == name {
			return o, true
		}
	}
	return object{}, false
}

func (all objects) ofKind(kind string) []object {
	var out []object
	for _, o := range all {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// workloads are the objects that run pods: every kind the chart renders with a pod template.
func (all objects) workloads() []object {
	var out []object
	for _, o := range all {
		if o.Kind == "Deployment" || o.Kind == "StatefulSet" {
			out = append(out, o)
		}
	}
	return out
}

// serviceFor is the workload whose pods svc selects ("" if none).
func (all objects) serviceFor(svc object) string {
	for _, w := range all.workloads() {
		labels := w.Spec.Template.Metadata.Labels
		match := len(svc.Spec.Selector) > 0
		for k, v := range svc.Spec.Selector {
			match = match && labels[k] == fmt.Sprint(v)
		}
		if match {
			return w.Metadata.Name
		}
	}
	return ""
}

// port resolves a probe's or a Service's port, a number or a name, to a container port.
func (c container) port(p any) (int, error) {
	switch p := p.(type) {
	case int:
		return p, nil
	case string:
		for _, cp := range c.Ports {
			if cp.Name == p {
				return cp.ContainerPort, nil
			}
		}
		return 0, fmt.Errorf("container %s has no port named %q", c.Name, p)
	}
	return 0, fmt.Errorf("port %v is neither a number nor a name", p)
}

// configArg is the file a container's `--config FILE` names.
func (c container) configArg() (string, bool) {
	args := append(append([]string{}, c.Command...), c.Args...)
	for i, a := range args {
		if a == "--config" && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v, true
		}
	}
	return "", false
}
