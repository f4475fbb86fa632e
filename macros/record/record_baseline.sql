{#- `freshrun baseline`: adopt relations built before freshrun was installed,
    so a first tick does not rebuild everything.  Each node in `unique_ids`
    (topological order) gets one freshrun_events row, status success,
    triggered_by / dbt_command 'baseline', as if built at `recorded_at` (ISO
    string, UTC), without running it; its data time follows the same rule as a
    real build (_data_time_of).  Called by the runner through the adapter (no
    dbt invocation); returns the number of rows. -#}
{% macro record_baseline(unique_ids, recorded_at, invocation) %}
  {%- set problems = freshrun.ensure_tables() -%}
  {%- if problems -%}
    {%- do exceptions.raise_compiler_error('freshrun: cannot record a baseline: ' ~ problems | join('; ')) -%}
  {%- endif -%}
  {%- set nodes = freshrun._tracked_nodes() -%}
  {%- set lineage = freshrun._lineage(nodes) -%}
  {%- do freshrun._record_nodes(nodes, lineage, recorded_at) -%}
  {%- set history = freshrun._latest_successes() -%}
  {%- set observations = freshrun._latest_observations(recorded_at) -%}
  {%- set built = {} -%}
  {%- set rows = [] -%}
  {%- for uid in unique_ids if uid in nodes -%}
    {%- set node = nodes[uid] -%}
    {%- set data_time = freshrun._data_time_of(uid, recorded_at, nodes, lineage, built, history, observations) -%}
    {%- do built.update({uid: {'data_time': data_time, 'completed_at': recorded_at}}) -%}
    {%- do rows.append([
          invocation, uid, node.resource_type, node.name, freshrun._materialization_of(node), 'success',
          'baseline: existing relation adopted by freshrun baseline, not rebuilt', recorded_at, recorded_at,
          none, none, (node.get('checksum') or {}).get('checksum'), data_time, target.name, 'baseline', 'baseline',
          ['baseline'], recorded_at, node.package_name]) -%}
  {%- endfor -%}
  {%- do freshrun._insert_events(rows) -%}
  {{ return(rows | length) }}
{% endmacro %}
