{#- The warehouse contract: table name -> ordered list of (column, type).
    Types come from dbt's cross-database type macros.  Column names are the
    contract the runner and the views read; new columns may be appended
    (older tables gain them on the next run), never renamed. -#}
{% macro table_definitions() %}
  {%- set s = dbt.type_string() -%}
  {%- set ts = dbt.type_timestamp() -%}
  {%- set f = dbt.type_float() -%}
  {%- set i = dbt.type_bigint() -%}
  {%- set b = dbt.type_boolean() -%}
  {{ return({
    'freshrun_events': [
      ('invocation_id', s), ('unique_id', s), ('resource_type', s), ('name', s),
      ('materialized', s), ('status', s), ('message', s), ('started_at', ts),
      ('completed_at', ts), ('execution_seconds', f), ('rows_affected', i),
      ('checksum', s), ('data_time', ts), ('target_name', s), ('dbt_command', s),
      ('triggered_by', s), ('reasons', s), ('recorded_at', ts), ('package_name', s)
    ],
    'freshrun_source_observations': [
      ('invocation_id', s), ('unique_id', s), ('max_loaded_at', ts),
      ('snapshotted_at', ts), ('status', s), ('recorded_at', ts)
    ],
    'freshrun_nodes': [
      ('unique_id', s), ('name', s), ('resource_type', s), ('materialized', s),
      ('checksum', s), ('maximum_lag_minutes', f), ('cron_schedule', s),
      ('cron_schedule_timezone', s), ('build_after_minutes', f), ('updates_on', s),
      ('package_name', s), ('original_file_path', s), ('is_observed', b),
      ('policy_error', s), ('node_hash', s), ('recorded_at', ts)
    ],
    'freshrun_frontier': [
      ('unique_id', s), ('upstream_id', s), ('kind', s), ('node_hash', s), ('recorded_at', ts)
    ],
    'freshrun_locks': [
      ('lock_name', s), ('owner', s), ('host', s), ('pid', i), ('event', s), ('claimed_at', ts), ('expires_at', ts)
    ],
    'freshrun_invocations': [
      ('invocation_id', s), ('dbt_command', s), ('started_at', ts), ('completed_at', ts),
      ('target_name', s), ('triggered_by', s), ('freshrun_version', s), ('selector', s),
      ('success', b), ('recorded_at', ts)
    ],
    'freshrun_alerts': [
      ('unique_id', s), ('event', s), ('claimed_at', ts), ('claimant', s), ('sent', b), ('error', s),
      ('recorded_at', ts)
    ]
  }) }}
{% endmacro %}
