{#- A recording problem is a warning, so recording never fails the user's dbt
    run; var freshrun_fail_on_error: true makes it fatal. -#}
{% macro _report_problem(message) %}
  {%- if var('freshrun_fail_on_error', false) -%}
    {%- do exceptions.raise_compiler_error('freshrun: ' ~ message) -%}
  {%- endif -%}
  {%- do exceptions.warn('freshrun: ' ~ message) -%}
{% endmacro %}
