{#- A datetime (aware or naive UTC) or an ISO string -> 'YYYY-MM-DD HH:MM:SS.ffffff'
    in UTC, or none: the one text form data times are compared in. -#}
{% macro _utc_iso(value) %}
  {%- if value is none or value == '' -%}{{ return(none) }}{%- endif -%}
  {%- if value is string -%}
    {%- set text = value | replace('T', ' ') -%}
    {%- if text.endswith('Z') -%}{%- set text = text[:-1] -%}{%- endif -%}
    {%- if text[-6:-5] in ['+', '-'] and text[-3:-2] == ':' -%}
      {%- set parsed = modules.datetime.datetime.fromisoformat(text) -%}
      {{ return(freshrun._utc_iso(parsed)) }}
    {%- endif -%}
    {{ return(text) }}
  {%- endif -%}
  {%- set dt = value -%}
  {%- if dt.tzinfo is not none -%}
    {%- set dt = dt.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
  {%- endif -%}
  {{ return(dt.strftime('%Y-%m-%d %H:%M:%S.%f')) }}
{% endmacro %}
