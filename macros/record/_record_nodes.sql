{#- Append to freshrun_nodes / freshrun_frontier the nodes whose definition
    (checksum, policy config, lineage) changed since the latest recorded row:
    a steady project writes nothing here.  The fingerprint is taken from the
    raw config, so policies are only normalised (and malformed ones warned
    about, naming model, file and field) for nodes being recorded. -#}
{% macro _record_nodes(nodes, lineage, recorded_at) %}
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
  {%- for uid, node in nodes.items() -%}
    {%- set config = node.get('config') or {} -%}
    {%- set meta = config.get('meta') or node.get('meta') or {} -%}
    {%- set lin = lineage[uid] -%}
    {%- set fingerprint = [(node.get('checksum') or {}).get('checksum'), node.resource_type, config.get('materialized'),
                           meta.get('freshrun'), (meta.get('dagster') or {}).get('freshness_policy') if meta.get('dagster') is mapping else meta.get('dagster'),
                           config.get('freshness'), node.get('freshness'), node.get('loaded_at_field'), node.get('loaded_at_query'),
                           node.package_name, node.get('original_file_path'), node.name, lin.frontier, lin.roots, 1] -%}
    {%- set node_hash = local_md5(tojson(fingerprint)) -%}
    {%- if current.get(uid) != node_hash -%}
      {%- set policy = freshrun._policy_of(node) if node.resource_type == 'model' else {'errors': []} -%}
      {%- for error in policy.errors -%}
        {%- do exceptions.warn('freshrun: invalid policy on ' ~ uid ~ ' (' ~ node.get('original_file_path') ~ '): ' ~ error) -%}
      {%- endfor -%}
      {%- do node_rows.append([
            uid, node.name, node.resource_type, freshrun._materialization_of(node), (node.get('checksum') or {}).get('checksum'),
            policy.get('maximum_lag_minutes'), policy.get('cron_schedule'), policy.get('cron_schedule_timezone'),
            policy.get('build_after_minutes'), policy.get('updates_on'), node.package_name, node.get('original_file_path'),
            freshrun._is_observed(node), policy.errors | join('; ') if policy.errors else none, node_hash, recorded_at]) -%}
      {%- for up in lin.frontier -%}
        {%- do frontier_rows.append([uid, up, 'frontier', node_hash, recorded_at]) -%}
      {%- endfor -%}
      {%- for up in lin.roots -%}
        {%- do frontier_rows.append([uid, up, 'root', node_hash, recorded_at]) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_nodes'),
        ['unique_id', 'name', 'resource_type', 'materialized', 'checksum', 'maximum_lag_minutes', 'cron_schedule',
         'cron_schedule_timezone', 'build_after_minutes', 'updates_on', 'package_name', 'original_file_path',
         'is_observed', 'policy_error', 'node_hash', 'recorded_at'],
        freshrun.values_sql(node_rows, ['s', 's', 's', 's', 's', 'n', 's', 's', 'n', 's', 's', 's', 'b', 's', 's', 't'])) -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_frontier'),
        ['unique_id', 'upstream_id', 'kind', 'node_hash', 'recorded_at'],
        freshrun.values_sql(frontier_rows, ['s', 's', 's', 's', 't'])) -%}
{% endmacro %}
