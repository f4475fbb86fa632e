{#- A source is *observed* when `dbt source freshness` reports a max_loaded_at
    for it (a loaded_at field or query, and a freshness threshold); other
    sources are assumed live. -#}
{% macro _is_observed(node) %}
  {%- if node.resource_type != 'source' -%}{{ return(false) }}{%- endif -%}
  {%- set config = node.get('config') or {} -%}
  {%- set has_field = node.get('loaded_at_field') or node.get('loaded_at_query') or config.get('loaded_at_field') or config.get('loaded_at_query') -%}
  {%- set freshness = node.get('freshness') or config.get('freshness') or {} -%}
  {%- set has_freshness = ((freshness.get('warn_after') or {}).get('count') is not none) or ((freshness.get('error_after') or {}).get('count') is not none) -%}
  {{ return(true if (has_field and has_freshness) else false) }}
{% endmacro %}
