{#- A node's materialization as the audit tables record it: the resource type
    for sources, seeds and snapshots, the configured one (default view) for
    models. -#}
{% macro _materialization_of(node) %}
  {%- if node.resource_type == 'source' -%}{{ return('source') }}{%- endif -%}
  {%- if node.resource_type == 'seed' -%}{{ return('seed') }}{%- endif -%}
  {%- if node.resource_type == 'snapshot' -%}{{ return('snapshot') }}{%- endif -%}
  {{ return((node.get('config') or {}).get('materialized') or 'view') }}
{% endmacro %}
