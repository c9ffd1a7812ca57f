{{/* Names and labels shared by the templates. */}}

{{- define "tidal.name" -}}
{{- .Values.operator.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tidal.serviceAccountName" -}}
{{- default .Values.operator.name .Values.serviceAccount.name -}}
{{- end -}}

{{- define "tidal.metricsServerServiceName" -}}
{{- printf "%s%s" .Values.operator.name .Values.service.metricsServer.nameSuffix | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tidal.clusterObjectNamespace" -}}
{{- default .Release.Namespace .Values.env.clusterObjectNamespace -}}
{{- end -}}

{{/* Leader election: forced by operator.leaderElection.enabled, else on with more than one replica. */}}
{{- define "tidal.leaderElect" -}}
{{- if kindIs "bool" .Values.operator.leaderElection.enabled -}}
{{- .Values.operator.leaderElection.enabled -}}
{{- else -}}
{{- gt (int .Values.operator.replicaCount) 1 -}}
{{- end -}}
{{- end -}}

{{- define "tidal.labels" -}}
app.kubernetes.io/name: {{ include "tidal.name" . }}
app.kubernetes.io/part-of: tidal
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The operator pods' selector. KEDA's chart selects on app: keda-operator too. */}}
{{- define "tidal.selectorLabels" -}}
app: {{ include "tidal.name" . }}
app.kubernetes.io/name: {{ include "tidal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tidal.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The serving certificate and its CA, computed once per render and kept in a dict:
  - certificates.generate: reuse the Secret's pair when it exists in the cluster (upgrades keep
    the CA the APIService and webhook trust), else genCA + genSignedCert for the two Services;
  - provided: the caBundle value, else ca.crt read from the Secret.
Result: .crt .key .ca (PEM; .crt/.key empty when provided).
*/}}
{{- define "tidal.certificates" -}}
{{- $ns := .Release.Namespace -}}
{{- $c := .Values.certificates -}}
{{- $existing := lookup "v1" "Secret" $ns $c.secretName -}}
{{- $out := dict "crt" "" "key" "" "ca" "" -}}
{{- if $c.generate -}}
  {{- if and $existing (index $existing.data "ca.crt") (index $existing.data "tls.crt") (index $existing.data "tls.key") -}}
    {{- $_ := set $out "crt" (index $existing.data "tls.crt" | b64dec) -}}
    {{- $_ := set $out "key" (index $existing.data "tls.key" | b64dec) -}}
    {{- $_ := set $out "ca" (index $existing.data "ca.crt" | b64dec) -}}
  {{- else -}}
    {{- $metrics := include "tidal.metricsServerServiceName" . -}}
    {{- $webhook := .Values.service.webhook.name -}}
    {{- $operator := include "tidal.name" . -}}
    {{- $dns := list -}}
    {{- range $svc := list $metrics $webhook $operator -}}
      {{- $dns = concat $dns (list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns)) -}}
    {{- end -}}
    {{- $ca := genCA "tidal-ca" (int $c.validityDays) -}}
    {{- $cert := genSignedCert (printf "%s.%s.svc" $metrics $ns) nil $dns (int $c.validityDays) $ca -}}
    {{- $_ := set $out "crt" $cert.Cert -}}
    {{- $_ := set $out "key" $cert.Key -}}
    {{- $_ := set $out "ca" $ca.Cert -}}
  {{- end -}}
{{- else -}}
  {{- if $c.caBundle -}}
    {{- $_ := set $out "ca" $c.caBundle -}}
  {{- else if and $existing (index $existing.data "ca.crt") -}}
    {{- $_ := set $out "ca" (index $existing.data "ca.crt" | b64dec) -}}
  {{- else if or .Values.metricsServer.enabled .Values.webhooks.enabled -}}
    {{- fail (printf "certificates.generate is false: set certificates.caBundle, or create Secret %s/%s with ca.crt before installing" $ns $c.secretName) -}}
  {{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
