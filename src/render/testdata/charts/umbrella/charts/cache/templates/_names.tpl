{{/* Defined once although the chart is used twice: the last definition wins, both are identical. */}}
{{- define "cache.names" -}}
{{- $names := list -}}
{{- range $k, $v := .Values -}}
{{- if and (kindIs "map" $v) (hasKey $v "role") -}}
{{- $names = append $names (printf "%s=%s" $k $v.role) -}}
{{- end -}}
{{- end -}}
{{- join ";" $names -}}
{{- end -}}
