{#- The package's on-run-start hook: makes sure the audit tables exist, so the
    package's own views can build in this very invocation.  Records nothing,
    and runs even with freshrun_enabled: false (empty tables keep the package's
    views buildable). -#}
{% macro on_run_start() %}
  {#- dbt also renders project hooks once while parsing a full manifest, with
      execute true but an empty graph: nothing to do then. -#}
  {%- if not execute or not graph.get('nodes') -%}{{ return('') }}{%- endif -%}
  {%- if not freshrun._is_recording_command() -%}{{ return('') }}{%- endif -%}
  {%- set problems = freshrun.ensure_tables() -%}
  {%- if problems -%}
    {%- do freshrun._report_problem('cannot record this invocation: ' ~ problems | join('; ')) -%}
  {%- endif -%}
  {{ return('') }}
{% endmacro %}
