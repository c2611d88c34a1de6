{{/* Names and labels shared by every template. */}}
{{- define "fraudmesh.labels" -}}
app.kubernetes.io/part-of: fraudmesh
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "fraudmesh.selector" -}}
app.kubernetes.io/part-of: fraudmesh
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{- define "fraudmesh.fullname" -}}
{{ .root.Release.Name }}-{{ .name }}
{{- end }}

{{/* The mesh's links, one place: who each service calls (its *_ADDRESS settings), and so who may call
     it. Kafka and PostgreSQL users are listed beside them. */}}
{{- define "fraudmesh.calls" -}}
ingest: []
scoring: [store, notify]
store: [ingest]
notify: []
edge: [ingest, scoring, store, notify]
{{- end }}

{{- define "fraudmesh.usesKafka" -}}
ingest: true
scoring: true
store: true
notify: true
edge: false
{{- end }}

{{- define "fraudmesh.readsModels" -}}
scoring: true
edge: true
{{- end }}

{{- define "fraudmesh.image" -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag }}
{{- end }}

{{- define "fraudmesh.databaseEnv" -}}
# CloudNativePG's application credentials, joined into the asyncpg URL the services read below.
- name: PGUSER_FROM_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.postgres.clusterName }}-app
      key: username
- name: PGPASSWORD_FROM_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.postgres.clusterName }}-app
      key: password
- name: DATABASE_URL
  value: postgresql+asyncpg://$(PGUSER_FROM_SECRET):$(PGPASSWORD_FROM_SECRET)@{{ .Values.postgres.clusterName }}-rw:5432/{{ .Values.postgres.database }}
{{- end }}
