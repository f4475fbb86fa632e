{#- The nodes freshrun tracks, from dbt's `graph`: every model, seed, snapshot
    and source, as {unique_id: node dict}. -#}
{% macro _tracked_nodes() %}
  {%- set nodes = {} -%}
  {%- for uid, node in graph.nodes.items() if node.resource_type in ('model', 'seed', 'snapshot') -%}
    {%- do nodes.update({uid: node}) -%}
  {%- endfor -%}
  {%- for uid, node in graph.sources.items() -%}
    {%- do nodes.update({uid: node}) -%}
  {%- endfor -%}
  {{ return(nodes) }}
{% endmacro %}
