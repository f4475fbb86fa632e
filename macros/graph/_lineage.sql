{#- Lineage from dbt's `graph`, for the data-time rule and freshrun_frontier:
    for every model, seed, snapshot and source, its *frontier* (nearest
    upstream nodes that hold data of their own: views and ephemeral models are
    looked through) and its *roots* (every seed and source upstream, at any
    depth).  Returns {unique_id: {'frontier': [...], 'roots': [...]}}. -#}
{% macro _lineage(nodes) %}
  {%- set memo = {} -%}
  {%- for uid in nodes -%}
    {%- do freshrun._lineage_of(uid, nodes, memo) -%}
  {%- endfor -%}
  {{ return(memo) }}
{% endmacro %}

{#- One node's lineage, memoised in `memo` (each node is walked once). -#}
{% macro _lineage_of(uid, nodes, memo) %}
  {%- if uid in memo -%}{{ return(memo[uid]) }}{%- endif -%}
  {%- set frontier = {} -%}
  {%- set roots = {} -%}
  {%- for parent in freshrun._parents_of(nodes[uid], nodes) -%}
    {%- set p = nodes[parent] -%}
    {%- if p.resource_type in ('seed', 'source') -%}
      {%- do frontier.update({parent: 1}) -%}
      {%- do roots.update({parent: 1}) -%}
    {%- else -%}
      {%- set up = freshrun._lineage_of(parent, nodes, memo) -%}
      {%- if freshrun._is_pass_through(p) -%}
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
{% macro _parents_of(node, nodes) %}
  {%- set parents = [] -%}
  {%- for parent in (node.get('depends_on') or {}).get('nodes', []) -%}
    {%- if parent in nodes and parent not in parents -%}{%- do parents.append(parent) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(parents) }}
{% endmacro %}

{#- Views and ephemeral models hold no data of their own: lineage looks through them. -#}
{% macro _is_pass_through(node) %}
  {{ return(node.resource_type == 'model' and freshrun._materialization_of(node) in ('view', 'ephemeral')) }}
{% endmacro %}
