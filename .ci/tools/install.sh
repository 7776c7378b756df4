#!/usr/bin/env bash
# The chart test's tools, pinned, from package registries only
# (deploy/chart_test.go, docs/kubernetes.md):
#   bin/helm, bin/kubeconform  built from the versions go.mod here names
#                              (go tool -modfile=go.mod would build the same)
#   schemas/kubernetes/        the API's JSON schemas, strict, of the chart's
#                              oldest Kubernetes and the newest the package has,
#                              from PyPI's kubernetes-validate wheel
#   schemas/crd/               KEDA's ScaledObject and TriggerAuthentication,
#                              from the kedacore/keda Go module's CRDs,
#                              converted by kubeconform's openapi2jsonschema.py
# Idempotent: a second run only relinks the binaries.
set -euo pipefail
cd "$(dirname "$0")"

KUBERNETES_VALIDATE=1.37.0   # pip: kubernetes-validate
KEDA=v2.20.2                 # Go module github.com/kedacore/keda/v2 (v2.21 needs Go 1.27)
export GOFLAGS=-modfile=go.mod

go build -o bin/ helm.sh/helm/v4/cmd/helm github.com/yannh/kubeconform/cmd/kubeconform

# The chart's oldest Kubernetes (Chart.yaml's kubeVersion) and the newest.
oldest=$(sed -n 's/^kubeVersion: ">=\([0-9.]*\)-0"$/\1/p' ../../deploy/helm/orderflow/Chart.yaml)
[ -n "$oldest" ] || { echo "no kubeVersion \">=X.Y.Z-0\" in Chart.yaml" >&2; exit 1; }
stamp=schemas/kubernetes/.kubernetes-validate-$KUBERNETES_VALIDATE-$oldest
if [ ! -f "$stamp" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "kubernetes-validate==$KUBERNETES_VALIDATE"
  whl=$(ls "$tmp"/kubernetes_validate-*.whl)
  base=kubernetes_validate/kubernetes-json-schema
  newest=$(python3 -m zipfile -l "$whl" | sed -n "s|^$base/v\([0-9.]*\)-local-strict/.*|\1|p" | sort -uV | tail -1)
  rm -rf schemas/kubernetes && mkdir -p schemas/kubernetes
  for v in "$oldest" "$newest"; do
    # Each schema names itself https://kubernetes.io/api/... ($id) and refers
    # to /api/_definitions.json, which kubernetes-validate maps to the file
    # beside it; kubeconform would fetch the URL. Without the $id and with the
    # reference made relative, the file beside it is what both resolve to.
    python3 - "$whl" "$base/v$v-local-strict/" schemas/kubernetes <<'EOF'
import json, os, sys, zipfile
whl, prefix, out = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"{prefix} is not in {whl}")
    for n in names:
        schema = json.loads(z.read(n).decode().replace('"/api/_definitions.json#', '"_definitions.json#'))
        schema.pop("$id", None)
        dest = os.path.join(out, n.split("/", 2)[2])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            json.dump(schema, f)
EOF
  done
  touch "$stamp"
fi

stamp=schemas/crd/.keda-$KEDA
if [ ! -f "$stamp" ]; then
  keda=$(cd / && GOFLAGS= go mod download -json "github.com/kedacore/keda/v2@$KEDA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  convert="$(go list -m -f '{{.Dir}}' github.com/yannh/kubeconform)/scripts/openapi2jsonschema.py"
  rm -rf schemas/crd && mkdir -p schemas/crd
  # DENY_ROOT_ADDITIONAL_PROPERTIES: a misspelt top-level field fails too.
  (cd schemas/crd && DENY_ROOT_ADDITIONAL_PROPERTIES=1 python3 "$convert" \
    "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
    "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" >/dev/null)
  touch "$stamp"
fi
echo "chart tools:" $(go list -m -f '{{.Path}}@{{.Version}}' helm.sh/helm/v4 github.com/yannh/kubeconform) \
  "kubernetes-validate $KUBERNETES_VALIDATE:" schemas/kubernetes/v* "KEDA $KEDA:" schemas/crd/*.json
