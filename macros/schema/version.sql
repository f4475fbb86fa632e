{#- The package version, recorded with every invocation (freshrun_invocations.freshrun_version). -#}
{% macro version() %}
  {{ return('0.1.0') }}
{% endmacro %}
