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
store: [ingest, scoring]
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

{{/* What each service may do on Kafka: the grants of fraudctl/runtime/kafka_acls.py (GRANTS), which
     `make up` applies and tests/deploy compares these with. */}}
{{- define "fraudmesh.kafkaGrants" -}}
{{- $svc := .Values.services }}
ingest:
  - {type: topic, name: transactions, operations: [Write]}
scoring:
  - {type: topic, name: transactions, operations: [Read]}
  - {type: group, name: {{ $svc.scoring.env.CONSUMER_GROUP | default "scoring" | quote }}, operations: [Read]}
  - {type: topic, name: labels, operations: [Read]}
  - {type: topic, name: scoring-control, operations: [Read, Write]}
  - {type: topic, name: dead-letters, operations: [Write]}
store:
  - {type: topic, name: labels, operations: [Write]}
  - {type: topic, name: dead-letters, operations: [Read]}
  - {type: group, name: {{ $svc.store.env.STORE_DEAD_LETTERS_GROUP | default "store-dead-letters" | quote }}, operations: [Read]}
notify:
  - {type: topic, name: decisions, operations: [Read, Write]}
  - {type: group, name: notify-journal, operations: [Read]}
{{- end }}

{{- define "fraudmesh.readsModels" -}}
scoring: true
edge: true
{{- end }}

{{- define "fraudmesh.image" -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag }}
{{- end }}

{{/* The DATABASE_URL of .name (a service), or of the tables' owner when .name is empty (the
     migrations): joined from a Secret's username and password by Kubernetes' $(VAR) expansion, so no
     password is written into a manifest. The owner's Secret is CloudNativePG's <cluster>-app; a
     service's own is <roleSecretPrefix>-<service> when postgres.serviceRoles is on. */}}
{{- define "fraudmesh.databaseEnv" -}}
{{- $pg := .root.Values.postgres }}
{{- $secret := printf "%s-app" $pg.clusterName }}
{{- if and .name $pg.serviceRoles.enabled }}
{{- $secret = printf "%s-%s" $pg.serviceRoles.roleSecretPrefix .name }}
{{- end }}
- name: PGUSER_FROM_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: username
- name: PGPASSWORD_FROM_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: password
- name: DATABASE_URL
  value: postgresql+asyncpg://$(PGUSER_FROM_SECRET):$(PGPASSWORD_FROM_SECRET)@{{ $pg.clusterName }}-rw:5432/{{ $pg.database }}
{{- end }}

{{/* Kafka SASL_SSL settings of service .name, as its own KafkaUser (kafka.sasl.enabled). */}}
{{- define "fraudmesh.kafkaSaslEnv" -}}
- name: KAFKA_SECURITY_PROTOCOL
  value: SASL_SSL
- name: KAFKA_SASL_MECHANISM
  value: SCRAM-SHA-512
- name: KAFKA_SASL_USERNAME
  value: {{ .root.Release.Name }}-{{ .name }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .root.Release.Name }}-{{ .name }}
      key: password
- name: KAFKA_SSL_CA_FILE
  value: /run/fraudmesh/kafka-ca/ca.crt
{{- end }}

{{/* The port the services reach Kafka on: the SASL_SSL listener's when it is on. */}}
{{- define "fraudmesh.kafkaPort" -}}
{{- if .Values.kafka.sasl.enabled }}{{ .Values.kafka.sasl.listenerPort }}{{ else }}{{ .Values.kafka.listenerPort }}{{ end }}
{{- end }}
