{#- The schema that holds freshrun's tables (var `freshrun_schema`, default: the target schema). -#}
{% macro schema_name() %}
  {{ return(var('freshrun_schema', target.schema)) }}
{% endmacro %}
