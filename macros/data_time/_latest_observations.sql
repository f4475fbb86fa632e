{#- {source unique_id: max_loaded_at ISO string} from each source's latest
    observation taken at or before `as_of` (default: this invocation's start):
    what an observed source contributes to a build's data time. -#}
{% macro _latest_observations(as_of=none) %}
  {%- set query -%}
    select unique_id, max_loaded_at from (
      select unique_id, max_loaded_at,
             row_number() over (partition by unique_id order by snapshotted_at desc) as rn
      from {{ freshrun.relation('freshrun_source_observations') }}
      where max_loaded_at is not null and snapshotted_at <= {{ freshrun._sql_timestamp(as_of or run_started_at) }}
    ) latest where rn = 1
  {%- endset -%}
  {%- set out = {} -%}
  {%- for row in run_query(query).rows -%}
    {%- do out.update({row[0]: freshrun._utc_iso(row[1])}) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}
