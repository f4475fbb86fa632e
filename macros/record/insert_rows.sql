{#- Append rows to `relation` in batches: at most `rows_per_statement` rows
    and about `max_statement_chars` characters per INSERT (vars
    freshrun_insert_rows_per_statement / freshrun_insert_max_statement_chars,
    defaults per adapter from insert_limits()), so that neither one giant
    statement (BigQuery's size limit) nor one statement per row is written.
    Writes are append-only: concurrent invocations never contend on updates.
    `rows` are '(v1, v2, ...)' tuples rendered by freshrun.values_sql.
    Returns the number of statements run. -#}
{% macro insert_rows(relation, columns, rows) %}
  {%- if rows | length == 0 -%}{{ return(0) }}{%- endif -%}
  {%- set limits = freshrun.insert_limits() -%}
  {%- set max_rows = var('freshrun_insert_rows_per_statement', limits.rows) | int -%}
  {%- set max_chars = var('freshrun_insert_max_statement_chars', limits.chars) | int -%}
  {%- set head = 'insert into ' ~ relation ~ ' (' ~ columns | join(', ') ~ ') values ' -%}
  {%- set state = {'batch': [], 'chars': head | length, 'statements': 0} -%}
  {%- for row in rows -%}
    {%- set tuple = row -%}
    {%- if state.batch and (state.batch | length >= max_rows or state.chars + (tuple | length) + 2 > max_chars) -%}
      {%- do freshrun._execute(head ~ state.batch | join(',\n')) -%}
      {%- do state.update({'batch': [], 'chars': head | length, 'statements': state.statements + 1}) -%}
    {%- endif -%}
    {%- do state.batch.append(tuple) -%}
    {%- do state.update({'chars': state.chars + (tuple | length) + 2}) -%}
  {%- endfor -%}
  {%- do freshrun._execute(head ~ state.batch | join(',\n')) -%}
  {{ return(state.statements + 1) }}
{% endmacro %}
