{#- {unique_id: data_time ISO string} of every model's and snapshot's latest
    successful build: the history _data_time_of reads for tables not built in
    this invocation. -#}
{% macro _latest_successes() %}
  {%- set query -%}
    select unique_id, data_time from (
      select unique_id, data_time,
             row_number() over (partition by unique_id order by completed_at desc) as rn
      from {{ freshrun.relation('freshrun_events') }}
      where status = 'success' and resource_type in ('model', 'snapshot')
    ) latest where rn = 1 and data_time is not null
  {%- endset -%}
  {%- set out = {} -%}
  {%- for row in run_query(query).rows -%}
    {%- do out.update({row[0]: freshrun._utc_iso(row[1])}) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}
