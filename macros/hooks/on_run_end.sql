{#- The package's on-run-end hook: records the invocation it ends (events with
    their data times, source observations, changed node definitions, the
    invocation row), so installing the package is the whole set-up.  Recording
    problems are warnings: they never fail the user's dbt run. -#}
{% macro on_run_end(results) %}
  {#- dbt also renders project hooks once while parsing a full manifest, with
      execute true but an empty graph: nothing to do then. -#}
  {%- if not execute or not graph.get('nodes') -%}{{ return('') }}{%- endif -%}
  {%- if not freshrun._is_recording() -%}{{ return('') }}{%- endif -%}
  {%- set problems = freshrun.ensure_tables() -%}
  {%- if problems -%}
    {%- do freshrun._report_problem('could not record invocation ' ~ invocation_id ~ ': ' ~ problems | join('; ')) -%}
    {{ return('') }}
  {%- endif -%}
  {%- set recorded_at = modules.datetime.datetime.utcnow() -%}
  {%- set context = freshrun._invocation_context() -%}
  {%- set nodes = freshrun._tracked_nodes() -%}
  {%- set lineage = freshrun._lineage(nodes) -%}
  {%- do freshrun._record_nodes(nodes, lineage, recorded_at) -%}
  {%- do freshrun._record_source_observations(results, recorded_at) -%}
  {%- do freshrun._record_events(results, nodes, lineage, context, recorded_at, invocation_id, flags.WHICH, run_started_at) -%}
  {%- do freshrun._record_invocation(results, context, recorded_at, invocation_id, flags.WHICH, run_started_at) -%}
  {{ return('') }}
{% endmacro %}

{#- Whether this invocation is recorded: a recording command, and var
    freshrun_enabled not false. -#}
{% macro _is_recording() %}
  {%- if not var('freshrun_enabled', true) -%}{{ return(false) }}{%- endif -%}
  {{ return(freshrun._is_recording_command()) }}
{% endmacro %}

{#- What the freshrun runner tells the hook about this invocation, through the
    FRESHRUN_CONTEXT environment variable (JSON: triggered_by, selector,
    reasons {unique_id: [reason, ...]}).  Empty for a plain `dbt` call. -#}
{% macro _invocation_context() %}
  {%- set raw = env_var('FRESHRUN_CONTEXT', '') -%}
  {%- set parsed = fromjson(raw, {}) if raw else {} -%}
  {{ return(parsed if parsed is mapping else {}) }}
{% endmacro %}
