{#- A dbt result's status as the text the audit tables record ('success',
    'error', 'warn', ...), whether dbt gives an enum or a string. -#}
{% macro _status_of(result) %}
  {%- set status = result.status -%}
  {{ return((status.value if status.value is defined else status) | string) }}
{% endmacro %}
