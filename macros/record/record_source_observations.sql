{#- One row per source result of `dbt source freshness`. -#}
{% macro record_source_observations(results, recorded_at) %}
  {%- set rows = [] -%}
  {%- for result in results if result.node is defined and result.node.resource_type == 'source' -%}
    {%- do rows.append([
          invocation_id, result.node.unique_id,
          result.max_loaded_at if result.max_loaded_at is defined else none,
          result.snapshotted_at if result.snapshotted_at is defined else recorded_at,
          freshrun.status_of(result), recorded_at]) -%}
  {%- endfor -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_source_observations'),
        ['invocation_id', 'unique_id', 'max_loaded_at', 'snapshotted_at', 'status', 'recorded_at'],
        freshrun.values_sql(rows, ['s', 's', 't', 't', 's', 't'])) -%}
{% endmacro %}
