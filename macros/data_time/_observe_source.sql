{#- Observe one observed source from the hook, when a build read it and no
    observation was taken before the build started: what `dbt source
    freshness` would report now, recorded in freshrun_source_observations.
    Returns the max_loaded_at as an ISO string, '' when the table holds no
    rows yet, or 'unknown' when it cannot be read here (a loaded_at_query, a
    missing relation): a data time is observed, never invented. -#}
{% macro _observe_source(node) %}
  {%- set config = node.get('config') or {} -%}
  {%- set field = node.get('loaded_at_field') or config.get('loaded_at_field') -%}
  {%- if not field or node.get('loaded_at_query') or config.get('loaded_at_query') -%}{{ return('unknown') }}{%- endif -%}
  {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) -%}
  {%- if relation is none -%}{{ return('unknown') }}{%- endif -%}
  {%- set filter = (node.get('freshness') or config.get('freshness') or {}).get('filter') -%}
  {%- set query -%}
    select max({{ field }}) as max_loaded_at from {{ relation }}{% if filter %} where {{ filter }}{% endif %}
  {%- endset -%}
  {%- set rows = run_query(query).rows -%}
  {%- set value = freshrun._utc_iso(rows[0][0]) if rows and rows[0][0] is not none else none -%}
  {%- if value is not none and value[:4] <= '1900' -%}{%- set value = none -%}{%- endif -%}
  {%- set now = modules.datetime.datetime.utcnow() -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_source_observations'),
        ['invocation_id', 'unique_id', 'max_loaded_at', 'snapshotted_at', 'status', 'recorded_at'],
        freshrun.values_sql([[invocation_id, node.unique_id, value, now, 'observed', now]],
                            ['s', 's', 't', 't', 's', 't'])) -%}
  {{ return(value or '') }}
{% endmacro %}
