{#- Append to freshrun_nodes / freshrun_frontier the nodes whose definition
    (checksum, policy, lineage) changed since the latest recorded row: a
    steady project writes nothing here.  Warns about malformed policies on
    every invocation (naming model, file and field).  Returns the lineage
    map for the caller. -#}
{% macro record_nodes(nodes, lineage, recorded_at) %}
  {%- set current = {} -%}
  {%- set query -%}
    select unique_id, node_hash from (
      select unique_id, node_hash,
             row_number() over (partition by unique_id order by recorded_at desc) as rn
      from {{ freshrun.relation('freshrun_nodes') }}
    ) latest where rn = 1
  {%- endset -%}
  {%- for row in run_query(query).rows -%}
    {%- do current.update({row[0]: row[1]}) -%}
  {%- endfor -%}
  {%- set node_rows = [] -%}
  {%- set frontier_rows = [] -%}
  {%- set ts = freshrun.sql_timestamp(recorded_at) -%}
  {%- for uid, node in nodes.items() -%}
    {%- set policy = freshrun.policy_of(node) if node.resource_type == 'model' else {'errors': []} -%}
    {%- for error in policy.errors -%}
      {%- do exceptions.warn('freshrun: invalid policy on ' ~ uid ~ ' (' ~ node.get('original_file_path') ~ '): ' ~ error) -%}
    {%- endfor -%}
    {%- set materialized = freshrun.materialization_of(node) -%}
    {%- set checksum = (node.get('checksum') or {}).get('checksum') -%}
    {%- set observed = freshrun.is_observed(node) -%}
    {%- set lin = lineage[uid] -%}
    {%- set error_text = policy.errors | join('; ') if policy.errors else none -%}
    {%- set fingerprint = [checksum, materialized, policy.get('maximum_lag_minutes'), policy.get('cron_schedule'),
                           policy.get('cron_schedule_timezone'), policy.get('build_after_minutes'), policy.get('updates_on'),
                           error_text, observed, node.package_name, node.get('original_file_path'), node.name,
                           lin.frontier, lin.roots] -%}
    {%- set node_hash = local_md5(tojson(fingerprint)) -%}
    {%- if current.get(uid) != node_hash -%}
      {%- do node_rows.append([
            freshrun.sql_string(uid), freshrun.sql_string(node.name), freshrun.sql_string(node.resource_type),
            freshrun.sql_string(materialized), freshrun.sql_string(checksum),
            freshrun.sql_number(policy.get('maximum_lag_minutes')), freshrun.sql_string(policy.get('cron_schedule')),
            freshrun.sql_string(policy.get('cron_schedule_timezone')), freshrun.sql_number(policy.get('build_after_minutes')),
            freshrun.sql_string(policy.get('updates_on')), freshrun.sql_string(node.package_name),
            freshrun.sql_string(node.get('original_file_path')), freshrun.sql_bool(observed),
            freshrun.sql_string(error_text), freshrun.sql_string(node_hash), ts]) -%}
      {%- for up in lin.frontier -%}
        {%- do frontier_rows.append([freshrun.sql_string(uid), freshrun.sql_string(up), "'frontier'", freshrun.sql_string(node_hash), ts]) -%}
      {%- endfor -%}
      {%- for up in lin.roots -%}
        {%- do frontier_rows.append([freshrun.sql_string(uid), freshrun.sql_string(up), "'root'", freshrun.sql_string(node_hash), ts]) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_nodes'),
        ['unique_id', 'name', 'resource_type', 'materialized', 'checksum', 'maximum_lag_minutes', 'cron_schedule',
         'cron_schedule_timezone', 'build_after_minutes', 'updates_on', 'package_name', 'original_file_path',
         'is_observed', 'policy_error', 'node_hash', 'recorded_at'], node_rows) -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_frontier'),
        ['unique_id', 'upstream_id', 'kind', 'node_hash', 'recorded_at'], frontier_rows) -%}
{% endmacro %}
