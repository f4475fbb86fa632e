{#- One freshrun_events row per node result (models, seeds, snapshots, tests),
    each successful build with its data time (see _data_time_of).
    `invocation`, `command` and `started_at` describe the dbt invocation the
    results belong to: the hook passes its own; the runner passes those of an
    invocation whose hook could not record (record_recovered). -#}
{% macro _record_events(results, nodes, lineage, context, recorded_at, invocation, command, started_at) %}
  {%- set rows = [] -%}
  {%- set built = {} -%}
  {%- set history = freshrun._latest_successes() -%}
  {%- set observations = freshrun._latest_observations(started_at) -%}
  {%- set reasons = context.get('reasons') or {} -%}
  {%- set triggered_by = context.get('triggered_by') or 'dbt' -%}
  {%- set fallback_start = freshrun._utc_iso(recorded_at) -%}
  {%- set fmt = '%Y-%m-%d %H:%M:%S.%f' -%}
  {%- for result in results if result.node is defined and result.node.resource_type in ('model', 'seed', 'snapshot', 'test', 'unit_test') -%}
    {%- set node = result.node -%}
    {%- set status = (result.status.value if result.status.value is defined else result.status) | string -%}
    {#- started/completed over the result's timing steps, as naive-UTC ISO strings -#}
    {%- set starts = [] -%}
    {%- set ends = [] -%}
    {%- for step in (result.timing or []) -%}
      {%- if step.started_at -%}{%- do starts.append((step.started_at.astimezone(modules.pytz.utc).replace(tzinfo=none) if step.started_at.tzinfo else step.started_at).strftime(fmt)) -%}{%- endif -%}
      {%- if step.completed_at -%}{%- do ends.append((step.completed_at.astimezone(modules.pytz.utc).replace(tzinfo=none) if step.completed_at.tzinfo else step.completed_at).strftime(fmt)) -%}{%- endif -%}
    {%- endfor -%}
    {%- set started_at = (starts | min) if starts else none -%}
    {%- set completed_at = (ends | max) if ends else none -%}
    {%- set materialized = node.resource_type if node.resource_type in ('seed', 'snapshot') else (node.config.materialized if node.resource_type == 'model' else none) -%}
    {%- set data_time = none -%}
    {%- if status == 'success' and node.resource_type in ('model', 'seed', 'snapshot') -%}
      {%- set data_time = freshrun._data_time_of(node.unique_id, started_at or fallback_start, nodes, lineage, built, history, observations) -%}
      {%- do built.update({node.unique_id: {'data_time': data_time, 'completed_at': completed_at}}) -%}
    {%- endif -%}
    {%- set node_reasons = reasons.get(node.unique_id) -%}
    {%- do rows.append([
          invocation, node.unique_id, node.resource_type, node.name, materialized, status, result.message,
          started_at, completed_at, result.execution_time, (result.adapter_response or {}).get('rows_affected'),
          node.checksum.checksum if (node.checksum is defined and node.checksum) else none,
          data_time, target.name, command, triggered_by, node_reasons or none, recorded_at, node.package_name]) -%}
  {%- endfor -%}
  {%- do freshrun._insert_events(rows) -%}
{% endmacro %}
