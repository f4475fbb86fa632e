{#- The data time a build records: for a build of `uid` that started at
    `started_at` (ISO string), the minimum over its frontier of each node's
    contribution -- an observed source its latest max_loaded_at (else the
    build's start), an unobserved source the build's start, a seed nothing, a
    table its data time (built earlier in this invocation, else its latest
    recorded success).  No frontier: the build's start.  A seed: none (never
    stale by time), as when nothing contributes.  `built`, `history` and
    `observations` come from the caller (_record_events, record_baseline). -#}
{% macro _data_time_of(uid, started_at, nodes, lineage, built, history, observations) %}
  {%- set frontier = lineage[uid]['frontier'] if uid in lineage else [] -%}
  {%- if nodes.get(uid, {}).get('resource_type') == 'seed' -%}{{ return(none) }}{%- endif -%}
  {%- if frontier | length == 0 -%}{{ return(started_at) }}{%- endif -%}
  {%- set found = {'min': none} -%}
  {%- for f in frontier -%}
    {%- set node = nodes[f] -%}
    {%- set value = none -%}
    {%- if node.resource_type == 'source' -%}
      {%- set value = observations.get(f, started_at) if freshrun._is_observed(node) else started_at -%}
    {%- elif node.resource_type == 'seed' -%}
      {%- set value = none -%}
    {%- elif f in built -%}
      {%- set value = built[f]['data_time'] -%}
    {%- elif f in history -%}
      {%- set value = history[f] -%}
    {%- endif -%}
    {%- if value is not none and (found['min'] is none or value < found['min']) -%}
      {%- do found.update({'min': value}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found['min']) }}
{% endmacro %}
