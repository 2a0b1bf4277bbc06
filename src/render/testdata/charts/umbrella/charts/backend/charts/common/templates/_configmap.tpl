{{/*
A whole ConfigMap: (list $ctx "template.name.of.overrides").
The overrides template renders YAML that is merged over the base.
*/}}
{{- define "common.configmap.tpl" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
data: {}
{{- end -}}

{{- define "common.util.merge" -}}
{{- $top := first . -}}
{{- $overrides := fromYaml (include (index . 1) $top) | default (dict) -}}
{{- $base := fromYaml (include (index . 2) $top) | default (dict) -}}
{{- toYaml (merge $overrides $base) -}}
{{- end -}}

{{- define "common.configmap" -}}
{{- include "common.util.merge" (append . "common.configmap.tpl") -}}
{{- end -}}
