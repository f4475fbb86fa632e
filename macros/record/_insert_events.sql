{#- Append rows of Python values to freshrun_events, in this column order: the
    one place the events' column list and kinds are written (the hook's
    recording and `freshrun baseline` share it). -#}
{% macro _insert_events(rows) %}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_events'),
        ['invocation_id', 'unique_id', 'resource_type', 'name', 'materialized', 'status', 'message', 'started_at',
         'completed_at', 'execution_seconds', 'rows_affected', 'checksum', 'data_time', 'target_name', 'dbt_command',
         'triggered_by', 'reasons', 'recorded_at', 'package_name'],
        freshrun.values_sql(rows, ['s', 's', 's', 's', 's', 's', 's', 't', 't', 'n', 'n', 's', 't', 's', 's', 's', 'j', 't', 's'])) -%}
{% endmacro %}
