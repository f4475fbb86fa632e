{#- One freshrun_invocations row for the invocation recorded: when it ran,
    who triggered it, what it selected and whether it succeeded (`success`
    none: no result failed). -#}
{% macro _record_invocation(results, context, recorded_at, invocation, command, started_at, success=none) %}
  {%- set failed = [] -%}
  {%- for result in results if freshrun._status_of(result) in ('error', 'fail', 'runtime error') -%}
    {%- do failed.append(result) -%}
  {%- endfor -%}
  {%- set args = invocation_args_dict or {} -%}
  {%- set selector = args.get('select') -%}
  {%- set selector = (selector | join(' ') if selector is iterable and selector is not string else selector) if selector else none -%}
  {%- set row = [invocation, command, started_at, recorded_at, target.name, context.get('triggered_by') or 'dbt',
                 freshrun.version(), context.get('selector') or selector, (failed | length == 0) if success is none else success, recorded_at] -%}
  {%- do freshrun.insert_rows(freshrun.relation('freshrun_invocations'),
        ['invocation_id', 'dbt_command', 'started_at', 'completed_at', 'target_name', 'triggered_by',
         'freshrun_version', 'selector', 'success', 'recorded_at'],
        freshrun.values_sql([row], ['s', 's', 't', 't', 's', 's', 's', 's', 'b', 't'])) -%}
{% endmacro %}
