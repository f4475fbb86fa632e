{#- A model's freshness policy, normalised from its config for freshrun_nodes.
    Read from meta.freshrun.{maximum_lag_minutes, cron_schedule,
    cron_schedule_timezone}; dagster-dbt's meta.dagster.freshness_policy (same
    fields, an alias); dbt's own freshness.build_after {count, period,
    updates_on}.  Returns {'maximum_lag_minutes', 'cron_schedule',
    'cron_schedule_timezone', 'build_after_minutes', 'updates_on', 'errors':
    [...]}.  A malformed value is not used; it is named in 'errors' (field path
    and what is wrong), so the user is told which model and field to fix. -#}
{% macro _policy_of(node) %}
  {%- set config = node.get('config') or {} -%}
  {%- set meta = config.get('meta') or node.get('meta') or {} -%}
  {%- set errors = [] -%}
  {%- set result = {'maximum_lag_minutes': none, 'cron_schedule': none, 'cron_schedule_timezone': none,
                    'build_after_minutes': none, 'updates_on': none, 'errors': errors} -%}
  {%- set raw = meta.get('freshrun') -%}
  {%- set prefix = 'meta.freshrun' -%}
  {%- if raw is none and (meta.get('dagster') or {}) is mapping and (meta.get('dagster') or {}).get('freshness_policy') is not none -%}
    {%- set raw = meta['dagster']['freshness_policy'] -%}
    {%- set prefix = 'meta.dagster.freshness_policy' -%}
  {%- endif -%}
  {%- if raw is not none and raw is not mapping -%}
    {%- do errors.append(prefix ~ ': expected a mapping, got ' ~ raw) -%}
  {%- elif raw is not none -%}
    {%- for key in raw if key not in ('maximum_lag_minutes', 'cron_schedule', 'cron_schedule_timezone') -%}
      {%- do errors.append(prefix ~ '.' ~ key ~ ': unknown field (expected maximum_lag_minutes, cron_schedule, cron_schedule_timezone)') -%}
    {%- endfor -%}
    {%- set lag = raw.get('maximum_lag_minutes') -%}
    {%- if lag is not none -%}
      {%- if lag is boolean or lag is not number -%}
        {%- do errors.append(prefix ~ '.maximum_lag_minutes: must be a number of minutes, got ' ~ lag) -%}
      {%- elif lag < 0 -%}
        {%- do errors.append(prefix ~ '.maximum_lag_minutes: must not be negative, got ' ~ lag) -%}
      {%- else -%}
        {%- do result.update({'maximum_lag_minutes': lag}) -%}
      {%- endif -%}
    {%- endif -%}
    {%- set cron = raw.get('cron_schedule') -%}
    {%- if cron is not none -%}
      {%- if not freshrun._is_valid_cron(cron) -%}
        {%- do errors.append(prefix ~ '.cron_schedule: not a valid 5-field cron expression: ' ~ cron) -%}
      {%- elif lag is none -%}
        {%- do errors.append(prefix ~ '.cron_schedule: needs maximum_lag_minutes beside it') -%}
      {%- else -%}
        {%- do result.update({'cron_schedule': cron}) -%}
      {%- endif -%}
    {%- endif -%}
    {%- set tz = raw.get('cron_schedule_timezone') -%}
    {%- if tz is not none -%}
      {%- if tz is not string or tz not in modules.pytz.all_timezones -%}
        {%- do errors.append(prefix ~ '.cron_schedule_timezone: unknown time zone ' ~ tz) -%}
      {%- else -%}
        {%- do result.update({'cron_schedule_timezone': tz}) -%}
      {%- endif -%}
    {%- elif result.cron_schedule is not none -%}
      {%- do result.update({'cron_schedule_timezone': 'UTC'}) -%}
    {%- endif -%}
  {%- endif -%}
  {%- set freshness = config.get('freshness') -%}
  {%- set build_after = (freshness or {}).get('build_after') if freshness is mapping else none -%}
  {%- if build_after is not none -%}
    {%- set count = build_after.get('count') -%}
    {%- set period = build_after.get('period') -%}
    {%- set updates_on = build_after.get('updates_on') or 'any' -%}
    {%- set minutes_per = {'minute': 1, 'hour': 60, 'day': 1440} -%}
    {%- if count is none and period is not none -%}
      {%- do errors.append('freshness.build_after.count: missing (period is ' ~ period ~ ')') -%}
    {%- elif count is not none and (count is boolean or count is not number or count < 0) -%}
      {%- do errors.append('freshness.build_after.count: must be a whole number >= 0, got ' ~ count) -%}
    {%- elif count is not none and count > 0 and period not in minutes_per -%}
      {%- do errors.append('freshness.build_after.period: must be minute, hour or day, got ' ~ period) -%}
    {%- elif updates_on not in ('any', 'all') -%}
      {%- do errors.append('freshness.build_after.updates_on: must be any or all, got ' ~ updates_on) -%}
    {%- elif count is not none -%}
      {%- do result.update({'build_after_minutes': count * minutes_per.get(period, 0), 'updates_on': updates_on}) -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(result) }}
{% endmacro %}

{#- A light syntactic check of a cron expression (the runner validates fully with croniter). -#}
{% macro _is_valid_cron(value) %}
  {%- if value is not string -%}{{ return(false) }}{%- endif -%}
  {%- if value.strip() in ('@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually') -%}{{ return(true) }}{%- endif -%}
  {%- set fields = value.split() -%}
  {%- if fields | length != 5 -%}{{ return(false) }}{%- endif -%}
  {%- for field in fields -%}
    {%- if not modules.re.match('^[0-9A-Za-z*/,\-?LW#]+$', field) -%}{{ return(false) }}{%- endif -%}
  {%- endfor -%}
  {{ return(true) }}
{% endmacro %}
