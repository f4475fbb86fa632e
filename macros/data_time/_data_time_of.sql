{#- The data time a build records: for a build of `uid` that started at
    `started_at` (ISO string), the minimum over its frontier of each node's
    contribution -- an observed source its latest max_loaded_at observed before
    the build started (none yet: it is observed now, and contributes the
    earlier of that and the build's start; unreadable: 1900-01-01, unknown and
    so stale), an unobserved source the build's start, a seed nothing, a
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
      {%- if not freshrun._is_observed(node) -%}
        {%- set value = started_at -%}
      {%- elif f in observations -%}
        {%- set value = observations[f] -%}
      {%- elif freshrun._is_pass_through(nodes[uid]) -%}
        {#- a view's data time is read through its frontier, never from its build: nothing to observe -#}
        {%- set value = started_at -%}
      {%- else -%}
        {#- not observed before the build started: observe it now; rows that landed since may
            be in the build or not, so it holds all data up to the earlier of the two -#}
        {%- set seen = freshrun._observe_source(node) -%}
        {%- set value = '1900-01-01 00:00:00.000000' if seen == 'unknown' else (seen if seen and seen < started_at else started_at) -%}
        {%- do observations.update({f: value}) -%}
      {%- endif -%}
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
