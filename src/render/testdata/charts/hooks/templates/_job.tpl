{{- define "hooks.job" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $hook := index . 2 -}}
{{- $weight := index . 3 -}}
{{- $policy := index . 4 -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $root.Release.Name }}-{{ $name }}
  annotations:
    helm.sh/hook: {{ $hook }}
    {{- if ne (toString $weight) "" }}
    helm.sh/hook-weight: {{ $weight | quote }}
    {{- end }}
    {{- if $policy }}
    helm.sh/hook-delete-policy: {{ $policy }}
    {{- end }}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: {{ $name }}
          image: {{ $root.Values.image }}
          command: ["sh", "-c", "echo {{ $name }} on {{ $hook }}"]
{{- end -}}
