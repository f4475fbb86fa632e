{#- Escape a value for use inside a single-quoted SQL literal, as this
    warehouse reads them (freshrun.escape_style): every string freshrun writes
    that comes from the project (names, checksums, cron strings, messages)
    goes through here, so a model named o'brien or a message with quotes and
    newlines round-trips.  `value` may also be a list of values: the list of
    their escaped strings comes back, for one call however many rows are
    rendered (freshrun.values_sql).  A list is escaped as one string joined on
    NUL, which escaping removes from every value, then split again. -#}
{% macro escape_string(value, style=none) %}
  {%- set style = style or freshrun.escape_style() -%}
  {%- set many = value is iterable and value is not string and value is not mapping -%}
  {%- set values = value if many else [value] -%}
  {%- if values | length == 0 -%}{{ return([]) }}{%- endif -%}
  {%- set text = values | map('string') | map('replace', '\x00', '') | join('\x00') -%}
  {%- if style.backslash -%}{%- set text = text.replace('\\', '\\\\') -%}{%- endif -%}
  {%- set text = text.replace("'", style.quote) -%}
  {%- if style.newlines -%}{%- set text = text.replace('\n', '\\n').replace('\r', '\\r') -%}{%- endif -%}
  {%- set escaped = text.split('\x00') -%}
  {{ return(escaped if many else escaped[0]) }}
{% endmacro %}
