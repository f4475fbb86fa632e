{#- One row per dbt invocation in freshrun_invocations. -#}
{% macro record_invocation(results, context, recorded_at) %}
  {%- set failed = [] -%}
  {%- for result in results if freshrun.status_of(result) in ('error', 'fail', 'runtime error') -%}
    {%- do failed.append(result) -%}
  {%- endfor -%}
  {%- set args = invocation_args_dict or {} -%}
  {%- set selector = args.get('select') -%}
  {%- set selector = (selector | join(' ') if selector is iterable and selector is not string else selector) if selector else none -%}
  {%- set row = [
        freshrun.sql_string(invocation_id), freshrun.sql_string(flags.WHICH), freshrun.sql_timestamp(run_started_at),
        freshrun.sql_timestamp(recorded_at), freshrun.sql_string(target.name),
        freshrun.sql_string(context.get('triggered_by') or 'dbt'), freshrun.sql_string(freshrun.version()),
        freshrun.sql_string(context.get('selector') or selector), freshrun.sql_bool(failed | length == 0),
        freshrun.sql_timestamp(recorded_at)] -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_invocations'),
        ['invocation_id', 'dbt_command', 'started_at', 'completed_at', 'target_name', 'triggered_by',
         'freshrun_version', 'selector', 'success', 'recorded_at'], [row]) -%}
{% endmacro %}
