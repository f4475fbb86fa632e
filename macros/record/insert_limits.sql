{#- Default caps on one INSERT of insert_rows, per adapter: {'rows': at most
    this many rows, 'chars': about this many characters}.  BigQuery rejects
    statements over 1 MB. -#}
{% macro insert_limits() %}
  {{ return(adapter.dispatch('insert_limits', 'freshrun')()) }}
{% endmacro %}

{% macro default__insert_limits() %}
  {{ return({'rows': 1000, 'chars': 500000}) }}
{% endmacro %}

{% macro bigquery__insert_limits() %}
  {{ return({'rows': 500, 'chars': 250000}) }}
{% endmacro %}
