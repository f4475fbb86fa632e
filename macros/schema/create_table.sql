{#- Create one audit table, `columns` an ordered list of (name, type);
    dispatched so that an adapter can add its own clauses. -#}
{% macro create_table(relation, columns) %}
  {{ return(adapter.dispatch('create_table', 'freshrun')(relation, columns)) }}
{% endmacro %}

{% macro default__create_table(relation, columns) %}
  {%- set ddl -%}
    create table if not exists {{ relation }} (
      {%- for column, type in columns %}
      {{ column }} {{ type }}{{ ',' if not loop.last }}
      {%- endfor %}
    )
  {%- endset -%}
  {%- do freshrun._execute(ddl) -%}
{% endmacro %}
