{#- How string literals are escaped on this warehouse, for escape_string (which
    values_sql calls for the strings it renders; the runner only calls
    values_sql, never this macro):
    {'backslash': escape backslashes too, 'quote': what a single quote becomes,
     'newlines': write \n and \r as escapes}.  The default doubles single quotes,
    which is all standard SQL needs (DuckDB; PostgreSQL with
    standard_conforming_strings, the default since 9.1). -#}
{% macro escape_style() %}
  {{ return(adapter.dispatch('escape_style', 'freshrun')()) }}
{% endmacro %}

{% macro default__escape_style() %}
  {{ return({'backslash': false, 'quote': "''", 'newlines': false}) }}
{% endmacro %}

{% macro snowflake__escape_style() %}
  {{ return({'backslash': true, 'quote': "''", 'newlines': false}) }}
{% endmacro %}

{% macro bigquery__escape_style() %}
  {{ return({'backslash': true, 'quote': "\\'", 'newlines': true}) }}
{% endmacro %}

{% macro spark__escape_style() %}
  {{ return({'backslash': true, 'quote': "\\'", 'newlines': false}) }}
{% endmacro %}
