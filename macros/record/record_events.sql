{#- One row per node result (models, seeds, snapshots, tests) in freshrun_events,
    each successful build with its data time (DESIGN.md §2).  `invocation`,
    `command` and `started_at` describe the dbt invocation the results belong
    to: the hook passes its own; the runner passes those of an invocation whose
    hook could not record (record_recovered). -#}
{% macro record_events(results, nodes, lineage, context, recorded_at, invocation, command, started_at) %}
  {%- set rows = [] -%}
  {%- set built = {} -%}
  {%- set history = freshrun.latest_successes() -%}
  {%- set observations = freshrun.latest_observations(started_at) -%}
  {%- set reasons = context.get('reasons') or {} -%}
  {%- set triggered_by = context.get('triggered_by') or 'dbt' -%}
  {%- set fallback_start = freshrun.utc_iso(recorded_at) -%}
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
      {%- set data_time = freshrun.data_time_of(node.unique_id, started_at or fallback_start, nodes, lineage, built, history, observations) -%}
      {%- do built.update({node.unique_id: {'data_time': data_time, 'completed_at': completed_at}}) -%}
    {%- endif -%}
    {%- set node_reasons = reasons.get(node.unique_id) -%}
    {%- do rows.append([
          invocation, node.unique_id, node.resource_type, node.name, materialized, status, result.message,
          started_at, completed_at, result.execution_time, (result.adapter_response or {}).get('rows_affected'),
          node.checksum.checksum if (node.checksum is defined and node.checksum) else none,
          data_time, target.name, command, triggered_by, node_reasons or none, recorded_at, node.package_name]) -%}
  {%- endfor -%}
  {%- do freshrun.insert_events(rows) -%}
{% endmacro %}

{#- Append rows of Python values to freshrun_events, in this column order. -#}
{% macro insert_events(rows) %}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_events'),
        ['invocation_id', 'unique_id', 'resource_type', 'name', 'materialized', 'status', 'message', 'started_at',
         'completed_at', 'execution_seconds', 'rows_affected', 'checksum', 'data_time', 'target_name', 'dbt_command',
         'triggered_by', 'reasons', 'recorded_at', 'package_name'],
        freshrun.values_sql(rows, ['s', 's', 's', 's', 's', 's', 's', 't', 't', 'n', 'n', 's', 't', 's', 's', 's', 'j', 't', 's'])) -%}
{% endmacro %}

{#- The data time of a build of `uid` that started at `started_at` (ISO string):
    the minimum over its frontier of each node's contribution; none when
    nothing contributes (never stale by time). -#}
{% macro data_time_of(uid, started_at, nodes, lineage, built, history, observations) %}
  {%- set frontier = lineage[uid]['frontier'] if uid in lineage else [] -%}
  {%- if nodes.get(uid, {}).get('resource_type') == 'seed' -%}{{ return(none) }}{%- endif -%}
  {%- if frontier | length == 0 -%}{{ return(started_at) }}{%- endif -%}
  {%- set found = {'min': none} -%}
  {%- for f in frontier -%}
    {%- set node = nodes[f] -%}
    {%- set value = none -%}
    {%- if node.resource_type == 'source' -%}
      {%- set value = observations.get(f, started_at) if freshrun.is_observed(node) else started_at -%}
    {%- elif node.resource_type == 'seed' -%}
      {%- set value = none -%}
    {%- elif f in built -%}
      {%- set value = built[f]['data_time'] -%}
    {%- elif f in history -%}
      {%- set value = history[f] -%}
    {%- endif -%}
    {%- if value is not none and (found['min'] is none or value < found['min']) -%}
      {%- do found.update({'min': value}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found['min']) }}
{% endmacro %}

{#- {unique_id: data_time ISO string} of every node's latest successful build. -#}
{% macro latest_successes() %}
  {%- set query -%}
    select unique_id, data_time from (
      select unique_id, data_time,
             row_number() over (partition by unique_id order by completed_at desc) as rn
      from {{ freshrun.relation('freshrun_events') }}
      where status = 'success' and resource_type in ('model', 'snapshot')
    ) latest where rn = 1 and data_time is not null
  {%- endset -%}
  {%- set out = {} -%}
  {%- for row in run_query(query).rows -%}
    {%- do out.update({row[0]: freshrun.utc_iso(row[1])}) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}

{#- {source unique_id: max_loaded_at ISO string} from each source's latest
    observation taken at or before `as_of` (default: this invocation's start). -#}
{% macro latest_observations(as_of=none) %}
  {%- set query -%}
    select unique_id, max_loaded_at from (
      select unique_id, max_loaded_at,
             row_number() over (partition by unique_id order by snapshotted_at desc) as rn
      from {{ freshrun.relation('freshrun_source_observations') }}
      where max_loaded_at is not null and snapshotted_at <= {{ freshrun.sql_timestamp(as_of or run_started_at) }}
    ) latest where rn = 1
  {%- endset -%}
  {%- set out = {} -%}
  {%- for row in run_query(query).rows -%}
    {%- do out.update({row[0]: freshrun.utc_iso(row[1])}) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}

{% macro status_of(result) %}
  {%- set status = result.status -%}
  {{ return((status.value if status.value is defined else status) | string) }}
{% endmacro %}

