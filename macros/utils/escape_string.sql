{#- How string literals are escaped on this warehouse:
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

{#- Escape a value for use inside a single-quoted SQL literal. -#}
{% macro escape_string(value, style=none) %}
  {%- set style = style or freshrun.escape_style() -%}
  {%- set text = (value | string).replace('\x00', '') -%}
  {%- if style.backslash -%}{%- set text = text.replace('\\', '\\\\') -%}{%- endif -%}
  {%- set text = text.replace("'", style.quote) -%}
  {%- if style.newlines -%}{%- set text = text.replace('\n', '\\n').replace('\r', '\\r') -%}{%- endif -%}
  {{ return(text) }}
{% endmacro %}
