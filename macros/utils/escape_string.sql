{#- Escape a Python string for use inside a single-quoted SQL literal.
    The default doubles single quotes, which is all standard SQL needs
    (DuckDB; PostgreSQL with standard_conforming_strings, the default since 9.1).
    Warehouses that treat backslash as an escape character override it. -#}
{% macro escape_string(value) %}
  {{ return(adapter.dispatch('escape_string', 'freshrun')(value)) }}
{% endmacro %}

{% macro default__escape_string(value) %}
  {{ return(value | string | replace("\x00", "") | replace("'", "''")) }}
{% endmacro %}

{% macro snowflake__escape_string(value) %}
  {{ return(value | string | replace("\x00", "") | replace("\\", "\\\\") | replace("'", "''")) }}
{% endmacro %}

{% macro bigquery__escape_string(value) %}
  {{ return(value | string | replace("\x00", "") | replace("\\", "\\\\") | replace("'", "\\'") | replace("\n", "\\n") | replace("\r", "\\r")) }}
{% endmacro %}

{% macro spark__escape_string(value) %}
  {{ return(value | string | replace("\x00", "") | replace("\\", "\\\\") | replace("'", "\\'")) }}
{% endmacro %}
