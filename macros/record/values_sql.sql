{#- Render rows of Python values as SQL tuples for freshrun.insert_rows.
    `types` gives each column's kind: 's' string, 'n' number, 't' timestamp
    (datetime or ISO string, UTC), 'b' boolean, 'j' JSON-encoded value.
    Returns a list of '(v1, v2, ...)' strings.  The hook renders thousands of
    values per invocation and a macro call per value is what makes recording
    slow: the strings of all rows are escaped by one freshrun.escape_string
    call, then the rows are rendered in one pass. -#}
{% macro values_sql(rows, types) %}
  {%- set ts_type = dbt.type_timestamp() -%}
  {%- set texts = [] -%}
  {%- for row in rows -%}
    {%- for value, kind in zip(row, types) -%}
      {%- if kind not in ('t', 'n', 'b') and value is not none -%}
        {%- do texts.append(tojson(value) if kind == 'j' else value) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {#- popped in the order they were collected -#}
  {%- set escaped = freshrun.escape_string(texts, freshrun.escape_style()) | reverse | list -%}
  {%- set out = [] -%}
  {%- for row in rows -%}
    {%- set parts = [] -%}
    {%- for value, kind in zip(row, types) -%}
      {%- if kind == 't' -%}
        {%- if value is none or value == '' -%}
          {%- do parts.append('cast(null as ' ~ ts_type ~ ')') -%}
        {%- else -%}
          {%- set text = value if value is string else (value.astimezone(modules.pytz.utc).replace(tzinfo=none) if value.tzinfo else value).strftime('%Y-%m-%d %H:%M:%S.%f') -%}
          {%- do parts.append("cast('" ~ text.replace('T', ' ').replace("'", '') ~ "' as " ~ ts_type ~ ")") -%}
        {%- endif -%}
      {%- elif value is none -%}
        {%- do parts.append('null') -%}
      {%- elif kind == 'n' -%}
        {%- do parts.append('null' if (value is string or value is boolean) else value | string) -%}
      {%- elif kind == 'b' -%}
        {%- do parts.append('true' if value else 'false') -%}
      {%- else -%}
        {%- do parts.append("'" ~ escaped.pop() ~ "'") -%}
      {%- endif -%}
    {%- endfor -%}
    {%- do out.append('(' ~ parts | join(', ') ~ ')') -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}
