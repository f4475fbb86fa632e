{#- Records a dbt invocation the runner ran that could not record itself (the
    on-run-end hook failed or was skipped, or dbt was interrupted before
    on-run-end), so its builds are not lost.  Called by the freshrun runner
    through the adapter, no dbt invocation.
    `results` are the node results the runner holds (dbt RunResults, or
    mappings with the same fields: node, status, timing, message,
    execution_time, adapter_response), only those not recorded yet.
    `with_invocation`: also append the freshrun_invocations row.
    Returns the number of event rows written. -#}
{% macro record_recovered(results, invocation, command, started_at, context, with_invocation, success) %}
  {%- set problems = freshrun.ensure_tables() -%}
  {%- if problems -%}
    {%- do exceptions.raise_compiler_error('freshrun: cannot record invocation ' ~ invocation ~ ': ' ~ problems | join('; ')) -%}
  {%- endif -%}
  {%- set recorded_at = modules.datetime.datetime.utcnow() -%}
  {%- set nodes = freshrun._tracked_nodes() -%}
  {%- set lineage = freshrun._lineage(nodes) -%}
  {%- do freshrun._record_nodes(nodes, lineage, recorded_at) -%}
  {%- do freshrun._record_events(results, nodes, lineage, context, recorded_at, invocation, command, started_at) -%}
  {%- if with_invocation -%}
    {%- do freshrun._record_invocation(results, context, recorded_at, invocation, command, started_at, success) -%}
  {%- endif -%}
  {{ return(results | length) }}
{% endmacro %}
