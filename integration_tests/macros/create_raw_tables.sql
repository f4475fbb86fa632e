{#- The landing tables the test project's sources read, created empty if
    missing (the tests insert rows with controlled loaded_at).  Runs as the
    project's on-run-start hook and as `dbt run-operation create_raw_tables`. -#}
{% macro create_raw_tables() %}
  {% if execute %}
    {% do adapter.create_schema(api.Relation.create(database=target.database, schema=_raw_schema())) %}
    {% set sql %}
      create table if not exists {{ _raw_schema() }}.orders (id integer, customer_id integer, amount {{ dbt.type_float() }}, loaded_at {{ dbt.type_timestamp() }});
    {% endset %}
    {% call statement('raw', auto_begin=true) %}{{ sql }}{% endcall %}{% do adapter.commit() %}
    {% set sql %}
      create table if not exists {{ _raw_schema() }}.events (id integer, kind {{ dbt.type_string() }}, loaded_at {{ dbt.type_timestamp() }});
    {% endset %}
    {% call statement('raw', auto_begin=true) %}{{ sql }}{% endcall %}{% do adapter.commit() %}
  {% endif %}
{% endmacro %}

{#- The schema of the landing tables (sources.yml says the same: target schema + '_raw'). -#}
{% macro _raw_schema() %}{{ return(target.schema ~ '_raw') }}{% endmacro %}
