{#- A timestamp (datetime, aware or naive UTC, or ISO string) as a SQL literal
    of naive UTC, or a typed NULL. -#}
{% macro _sql_timestamp(value) %}
  {%- set text = freshrun._utc_iso(value) -%}
  {%- if text is none -%}{{ return('cast(null as ' ~ dbt.type_timestamp() ~ ')') }}{%- endif -%}
  {{ return("cast('" ~ text ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{% endmacro %}
