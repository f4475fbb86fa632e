{#- Lineage from dbt's `graph`: for every model, seed, snapshot and source,
    its *frontier* (nearest upstream nodes that hold data of their own:
    views and ephemeral models are looked through) and its *roots* (every
    seed and source upstream, at any depth).  Returns
    {unique_id: {'frontier': [...], 'roots': [...]}}. -#}
{% macro lineage(nodes) %}
  {%- set memo = {} -%}
  {%- for uid in nodes -%}
    {%- do freshrun._lineage_of(uid, nodes, memo) -%}
  {%- endfor -%}
  {{ return(memo) }}
{% endmacro %}

{% macro _lineage_of(uid, nodes, memo) %}
  {%- if uid in memo -%}{{ return(memo[uid]) }}{%- endif -%}
  {%- set frontier = {} -%}
  {%- set roots = {} -%}
  {%- for parent in freshrun.parents_of(nodes[uid], nodes) -%}
    {%- set p = nodes[parent] -%}
    {%- if p.resource_type in ('seed', 'source') -%}
      {%- do frontier.update({parent: 1}) -%}
      {%- do roots.update({parent: 1}) -%}
    {%- else -%}
      {%- set up = freshrun._lineage_of(parent, nodes, memo) -%}
      {%- if freshrun.is_pass_through(p) -%}
        {%- for f in up['frontier'] -%}{%- do frontier.update({f: 1}) -%}{%- endfor -%}
      {%- else -%}
        {%- do frontier.update({parent: 1}) -%}
      {%- endif -%}
      {%- for r in up['roots'] -%}{%- do roots.update({r: 1}) -%}{%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set result = {'frontier': frontier.keys() | sort, 'roots': roots.keys() | sort} -%}
  {%- do memo.update({uid: result}) -%}
  {{ return(result) }}
{% endmacro %}

{#- Direct parents that are models, seeds, snapshots or sources. -#}
{% macro parents_of(node, nodes) %}
  {%- set parents = [] -%}
  {%- for parent in (node.get('depends_on') or {}).get('nodes', []) -%}
    {%- if parent in nodes and parent not in parents -%}{%- do parents.append(parent) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(parents) }}
{% endmacro %}

{% macro is_pass_through(node) %}
  {{ return(node.resource_type == 'model' and freshrun.materialization_of(node) in ('view', 'ephemeral')) }}
{% endmacro %}

{% macro materialization_of(node) %}
  {%- if node.resource_type == 'source' -%}{{ return('source') }}{%- endif -%}
  {%- if node.resource_type == 'seed' -%}{{ return('seed') }}{%- endif -%}
  {%- if node.resource_type == 'snapshot' -%}{{ return('snapshot') }}{%- endif -%}
  {{ return((node.get('config') or {}).get('materialized') or 'view') }}
{% endmacro %}

{#- The nodes freshrun tracks, from `graph`: {unique_id: node dict}. -#}
{% macro tracked_nodes() %}
  {%- set nodes = {} -%}
  {%- for uid, node in graph.nodes.items() if node.resource_type in ('model', 'seed', 'snapshot') -%}
    {%- do nodes.update({uid: node}) -%}
  {%- endfor -%}
  {%- for uid, node in graph.sources.items() -%}
    {%- do nodes.update({uid: node}) -%}
  {%- endfor -%}
  {{ return(nodes) }}
{% endmacro %}

{#- A source is *observed* when `dbt source freshness` reports a max_loaded_at for it. -#}
{% macro is_observed(node) %}
  {%- if node.resource_type != 'source' -%}{{ return(false) }}{%- endif -%}
  {%- set config = node.get('config') or {} -%}
  {%- set has_field = node.get('loaded_at_field') or node.get('loaded_at_query') or config.get('loaded_at_field') or config.get('loaded_at_query') -%}
  {%- set freshness = node.get('freshness') or config.get('freshness') or {} -%}
  {%- set has_freshness = ((freshness.get('warn_after') or {}).get('count') is not none) or ((freshness.get('error_after') or {}).get('count') is not none) -%}
  {{ return(true if (has_field and has_freshness) else false) }}
{% endmacro %}
