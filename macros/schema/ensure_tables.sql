{#- Create freshrun's schema and audit tables (table_definitions) if missing,
    and add columns that a newer package version introduced to tables created
    by an older one (rows are kept), so upgrading the package needs no
    migration.  Returns a list of problems (strings): a relation that exists
    with the wrong type cannot be written to and is reported, not replaced. -#}
{% macro ensure_tables() %}
  {%- set problems = [] -%}
  {%- set definitions = freshrun.table_definitions() -%}
  {%- do adapter.create_schema(api.Relation.create(database=target.database, schema=freshrun.schema_name())) -%}
  {%- for name, columns in definitions.items() -%}
    {%- set target_relation = freshrun.relation(name) -%}
    {%- set existing = adapter.get_relation(database=target_relation.database, schema=target_relation.schema, identifier=target_relation.identifier) -%}
    {%- if existing is none -%}
      {%- do freshrun.create_table(target_relation, columns) -%}
    {%- elif not existing.is_table -%}
      {%- do problems.append(existing ~ ' is a ' ~ existing.type ~ ', not a table') -%}
    {%- else -%}
      {%- set have = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
      {%- set missing = [] -%}
      {%- for column, type in columns if column not in have -%}
        {%- do missing.append(api.Column.create(column, type)) -%}
      {%- endfor -%}
      {%- if missing -%}
        {%- do alter_relation_add_remove_columns(existing, missing, none) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(problems) }}
{% endmacro %}
