{#- Run one write statement in its own transaction and commit it: on-run-*
    hooks run outside a transaction, run_query does not begin one, and on
    PostgreSQL an uncommitted write would be rolled back with the connection. -#}
{% macro _execute(sql) %}
  {%- call statement('freshrun_write', auto_begin=true) -%}{{ sql }}{%- endcall -%}
  {%- do adapter.commit() -%}
{% endmacro %}
