{% macro raw_schema() %}{{ return(target.schema ~ '_raw') }}{% endmacro %}

{#- The landing tables our sources read, created empty if missing. -#}
{% macro create_raw_tables() %}
  {% if execute %}
    {% do adapter.create_schema(api.Relation.create(database=target.database, schema=raw_schema())) %}
    {% set sql %}
      create table if not exists {{ raw_schema() }}.orders (id integer, customer_id integer, amount {{ dbt.type_float() }}, loaded_at {{ dbt.type_timestamp() }});
    {% endset %}
    {% call statement('raw', auto_begin=true) %}{{ sql }}{% endcall %}{% do adapter.commit() %}
    {% set sql %}
      create table if not exists {{ raw_schema() }}.events (id integer, kind {{ dbt.type_string() }}, loaded_at {{ dbt.type_timestamp() }});
    {% endset %}
    {% call statement('raw', auto_begin=true) %}{{ sql }}{% endcall %}{% do adapter.commit() %}
  {% endif %}
{% endmacro %}
