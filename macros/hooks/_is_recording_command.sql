{#- Whether this dbt command is one freshrun records (hooks also fire on
    compile, docs generate, run-operation...: those record nothing). -#}
{% macro _is_recording_command() %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {{ return(flags.WHICH in ('run', 'build', 'seed', 'snapshot', 'test', 'freshness', 'source', 'retry')) }}
{% endmacro %}
