{#- Minutes (fractional) from timestamp expression `start` to `end`, in SQL:
    the lag the package's views report.  Dispatched because date arithmetic
    differs per warehouse. -#}
{% macro minutes_between(start, end) %}
  {{ return(adapter.dispatch('minutes_between', 'freshrun')(start, end)) }}
{% endmacro %}

{% macro default__minutes_between(start, end) %}
  {{ return("(" ~ dbt.datediff(start, end, 'second') ~ ") / 60.0") }}
{% endmacro %}

{% macro postgres__minutes_between(start, end) %}
  {{ return("(extract(epoch from (" ~ end ~ ") - (" ~ start ~ ")) / 60.0)") }}
{% endmacro %}

{% macro duckdb__minutes_between(start, end) %}
  {{ return("(epoch_ms(" ~ end ~ ") - epoch_ms(" ~ start ~ ")) / 60000.0") }}
{% endmacro %}
