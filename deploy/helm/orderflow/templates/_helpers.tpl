{{/*
The names every object of a release is called by. The release name alone,
unless it lacks "orderflow": then "<release>-orderflow".
*/}}
{{- define "orderflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "orderflow.gatewayName" -}}
{{- printf "%s-gateway" (include "orderflow.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "orderflow.consoleSecretName" -}}
{{- .Values.console.tokenSecret.name | default (printf "%s-console-token" (include "orderflow.fullname" .)) -}}
{{- end -}}

{{- define "orderflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: serve or gateway. */}}
{{- define "orderflow.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "orderflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The port of a host:port address (":8081", "0.0.0.0:8081"). */}}
{{- define "orderflow.port" -}}
{{- $parts := splitList ":" . -}}
{{- $port := last $parts -}}
{{- if or (lt (len $parts) 2) (not (regexMatch "^[0-9]+$" $port)) -}}
{{- fail (printf "%q is not host:port" .) -}}
{{- end -}}
{{- $port -}}
{{- end -}}

{{- define "orderflow.httpPort" -}}
{{- $addr := (.Values.config.http | default dict).addr | default "" -}}
{{- if not $addr -}}
{{- fail "config.http.addr is empty: the probes and the Service need serve's HTTP endpoints (e.g. 0.0.0.0:8081)" -}}
{{- end -}}
{{- include "orderflow.port" $addr -}}
{{- end -}}

{{- define "orderflow.partitions" -}}
{{- (.Values.config.topics | default dict).partitions | default 12 | int -}}
{{- end -}}

{{/* Where the Secrets are mounted, and so the files the config names. */}}
{{- define "orderflow.secretsDir" -}}/etc/orderflow/secrets{{- end -}}

{{/*
serve's config: the values' config with what the chart decides laid over it:
the gateway's URL and the files the Secrets are mounted as. A config file
never holds a secret itself (app/config refuses one).
*/}}
{{- define "orderflow.serveConfig" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $derived := dict -}}
{{- $gw := dict -}}
{{- if .Values.gateway.enabled -}}
{{- $_ := set $gw "url" (printf "http://%s:%d" (include "orderflow.gatewayName" .) (int .Values.gateway.port)) -}}
{{- else if .Values.gateway.externalURL -}}
{{- $_ := set $gw "url" .Values.gateway.externalURL -}}
{{- else -}}
{{- fail "gateway: set gateway.enabled (the simulator as a StatefulSet) or gateway.externalURL; serve would otherwise keep the idempotency records in its own memory" -}}
{{- end -}}
{{- $_ := set $derived "gateway" $gw -}}
{{- $kafka := dict -}}
{{- with .Values.kafka.saslPasswordSecret.name -}}
{{- $_ := set $kafka "sasl" (dict "password_file" (printf "%s/kafka-sasl/%s" (include "orderflow.secretsDir" $) $.Values.kafka.saslPasswordSecret.key)) -}}
{{- end -}}
{{- with .Values.kafka.caSecret.name -}}
{{- $_ := set $kafka "tls" (dict "ca_file" (printf "%s/kafka-ca/%s" (include "orderflow.secretsDir" $) $.Values.kafka.caSecret.key)) -}}
{{- end -}}
{{- if $kafka -}}
{{- $_ := set $derived "kafka" $kafka -}}
{{- end -}}
{{- if include "orderflow.consoleToken" . -}}
{{- $_ := set $derived "console" (dict "token_file" (printf "%s/console/%s" (include "orderflow.secretsDir" .) .Values.console.tokenSecret.key)) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $cfg $derived) -}}
{{- end -}}

{{/* "true" when the console is on and has an operator token Secret. */}}
{{- define "orderflow.consoleToken" -}}
{{- $console := .Values.config.console | default dict -}}
{{- if and (ne (toString $console.enabled) "false") (or .Values.console.tokenSecret.name .Values.console.tokenSecret.create) -}}true{{- end -}}
{{- end -}}

{{/*
The gateway's config: only what it reads (gateway.*, logging, faults; retry
for faults' bounds; http's limits, gateway.listen taking http.addr's place). It
holds no Kafka settings, so its pod gets no Kafka Secret.
*/}}
{{- define "orderflow.gatewayConfig" -}}
{{- $gw := deepCopy (.Values.gateway.config | default dict) -}}
{{- $_ := set $gw "listen" (printf "0.0.0.0:%d" (int .Values.gateway.port)) -}}
{{- $_ := set $gw "store_path" (printf "%s/%s" .Values.gateway.dataDir .Values.gateway.storeFile) -}}
{{- $cfg := dict "gateway" $gw -}}
{{- with .Values.config.logging -}}
{{- $_ := set $cfg "logging" . -}}
{{- end -}}
{{- range $section := list "faults" "retry" "http" -}}
{{- with index $.Values.config $section -}}
{{- $_ := set $cfg $section . -}}
{{- end -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* The restricted Pod Security profile, for every container. */}}
{{- define "orderflow.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "orderflow.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}
