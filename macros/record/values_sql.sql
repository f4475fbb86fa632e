{#- Render rows of Python values as SQL tuples, in one pass (a macro call per
    value is what makes recording slow on large projects).  `types` gives each
    column's kind: 's' string, 'n' number, 't' timestamp (datetime or ISO
    string, UTC), 'b' boolean, 'j' JSON-encoded value.  Returns a list of
    '(v1, v2, ...)' strings for freshrun.insert_rows. -#}
{% macro values_sql(rows, types) %}
  {%- set style = freshrun.escape_style() -%}
  {%- set ts_type = dbt.type_timestamp() -%}
  {%- set out = [] -%}
  {%- for row in rows -%}
    {%- set parts = [] -%}
    {%- for value in row -%}
      {%- set kind = types[loop.index0] -%}
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
        {%- set text = ((tojson(value) if kind == 'j' else value) | string).replace('\x00', '') -%}
        {%- if style.backslash -%}{%- set text = text.replace('\\', '\\\\') -%}{%- endif -%}
        {%- set text = text.replace("'", style.quote) -%}
        {%- if style.newlines -%}{%- set text = text.replace('\n', '\\n').replace('\r', '\\r') -%}{%- endif -%}
        {%- do parts.append("'" ~ text ~ "'") -%}
      {%- endif -%}
    {%- endfor -%}
    {%- do out.append('(' ~ parts | join(', ') ~ ')') -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}
