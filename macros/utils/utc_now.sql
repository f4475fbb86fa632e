{#- The current time as a naive UTC timestamp, in SQL: the warehouse's clock,
    which the package's views and the runner (locks, alerts) share.  Dispatched
    because each warehouse spells it differently. -#}
{% macro utc_now() %}
  {{ return(adapter.dispatch('utc_now', 'freshrun')()) }}
{% endmacro %}

{% macro default__utc_now() %}
  {{ return(dbt.current_timestamp_in_utc_backcompat()) }}
{% endmacro %}

{% macro duckdb__utc_now() %}
  {{ return("cast(timezone('UTC', current_timestamp) as timestamp)") }}
{% endmacro %}
