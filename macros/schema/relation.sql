{#- A Relation for one of freshrun's tables, whether or not it exists yet. -#}
{% macro relation(identifier) %}
  {{ return(api.Relation.create(database=target.database, schema=freshrun.schema_name(), identifier=identifier, type='table')) }}
{% endmacro %}
