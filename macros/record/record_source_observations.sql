{#- One row per source result of `dbt source freshness`. -#}
{% macro record_source_observations(results, recorded_at) %}
  {%- set rows = [] -%}
  {%- set ts = freshrun.sql_timestamp(recorded_at) -%}
  {%- for result in results if result.node is defined and result.node.resource_type == 'source' -%}
    {%- do rows.append([
          freshrun.sql_string(invocation_id), freshrun.sql_string(result.node.unique_id),
          freshrun.sql_timestamp(result.max_loaded_at if result.max_loaded_at is defined else none),
          freshrun.sql_timestamp(result.snapshotted_at if result.snapshotted_at is defined else recorded_at),
          freshrun.sql_string(freshrun.status_of(result)), ts]) -%}
  {%- endfor -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_source_observations'),
        ['invocation_id', 'unique_id', 'max_loaded_at', 'snapshotted_at', 'status', 'recorded_at'], rows) -%}
{% endmacro %}
