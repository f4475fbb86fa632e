{#- One freshrun_source_observations row per source result of `dbt source
    freshness`: what observed sources contribute to data times.  An empty
    table makes dbt report max_loaded_at 0001-01-01: recorded as NULL (no data
    yet). -#}
{% macro _record_source_observations(results, recorded_at) %}
  {%- set rows = [] -%}
  {%- for result in results if result.node is defined and result.node.resource_type == 'source' -%}
    {%- do rows.append([
          invocation_id, result.node.unique_id,
          result.max_loaded_at if (result.max_loaded_at is defined and result.max_loaded_at and result.max_loaded_at.year > 1900) else none,
          result.snapshotted_at if result.snapshotted_at is defined else recorded_at,
          freshrun._status_of(result), recorded_at]) -%}
  {%- endfor -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_source_observations'),
        ['invocation_id', 'unique_id', 'max_loaded_at', 'snapshotted_at', 'status', 'recorded_at'],
        freshrun.values_sql(rows, ['s', 's', 't', 't', 's', 't'])) -%}
{% endmacro %}
