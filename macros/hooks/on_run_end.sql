{#- on-run-end: record this invocation (events with data times, source
    observations, changed node definitions, the invocation row). -#}
{% macro on_run_end(results) %}
  {#- dbt also renders project hooks once while parsing a full manifest, with
      execute true but an empty graph: nothing to do then. -#}
  {%- if not execute or not graph.get('nodes') -%}{{ return('') }}{%- endif -%}
  {%- if not freshrun.is_recording() -%}{{ return('') }}{%- endif -%}
  {%- set problems = freshrun.ensure_tables() -%}
  {%- if problems -%}
    {%- do freshrun.report_problem('could not record invocation ' ~ invocation_id ~ ': ' ~ problems | join('; ')) -%}
    {{ return('') }}
  {%- endif -%}
  {%- set recorded_at = modules.datetime.datetime.utcnow() -%}
  {%- set context = freshrun.invocation_context() -%}
  {%- set nodes = freshrun.tracked_nodes() -%}
  {%- set lineage = freshrun.lineage(nodes) -%}
  {%- do freshrun.record_nodes(nodes, lineage, recorded_at) -%}
  {%- do freshrun.record_source_observations(results, recorded_at) -%}
  {%- do freshrun.record_events(results, nodes, lineage, context, recorded_at, invocation_id, flags.WHICH, run_started_at) -%}
  {%- do freshrun.record_invocation(results, context, recorded_at, invocation_id, flags.WHICH, run_started_at) -%}
  {{ return('') }}
{% endmacro %}

{#- Hooks also fire on compile, docs generate, run-operation...: those record nothing. -#}
{% macro is_recording() %}
  {%- if not var('freshrun_enabled', true) -%}{{ return(false) }}{%- endif -%}
  {{ return(freshrun.is_recording_command()) }}
{% endmacro %}

{% macro is_recording_command() %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {{ return(flags.WHICH in ('run', 'build', 'seed', 'snapshot', 'test', 'freshness', 'source', 'retry')) }}
{% endmacro %}

{#- What the freshrun runner tells the hook about this invocation, through the
    FRESHRUN_CONTEXT environment variable (JSON: triggered_by, selector,
    reasons {unique_id: [reason, ...]}).  Empty for a plain `dbt` call. -#}
{% macro invocation_context() %}
  {%- set raw = env_var('FRESHRUN_CONTEXT', '') -%}
  {%- set parsed = fromjson(raw, {}) if raw else {} -%}
  {{ return(parsed if parsed is mapping else {}) }}
{% endmacro %}

{#- A recording problem is a warning; var freshrun_fail_on_error: true makes it fatal. -#}
{% macro report_problem(message) %}
  {%- if var('freshrun_fail_on_error', false) -%}
    {%- do exceptions.raise_compiler_error('freshrun: ' ~ message) -%}
  {%- endif -%}
  {%- do exceptions.warn('freshrun: ' ~ message) -%}
{% endmacro %}
