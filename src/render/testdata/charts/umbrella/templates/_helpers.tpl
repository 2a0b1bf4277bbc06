{{- define "umbrella.endpoint" -}}
{{- $svc := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- printf "http://%s.%s.svc:%v" $svc $ctx.Release.Namespace $ctx.Values.backendService.port -}}
{{- end -}}
