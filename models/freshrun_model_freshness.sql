{#- One row per model of the project: its current freshness, computed from the
    audit tables per docs/design.md.  Table-like models: the data time recorded
    with their latest successful build, lowered when a seed upstream changed
    content or a frontier table was rebuilt since.  Views and ephemeral models:
    the minimum over their frontier's current data times (a view is as fresh
    as what it reads).  cron deadlines are evaluated by `freshrun status`;
    `is_overdue` here checks maximum_lag_minutes. -#}
with nodes_ranked as (
    select n.*, row_number() over (partition by unique_id order by recorded_at desc) as rn
    from {{ freshrun.relation('freshrun_nodes') }} n
),
nodes as (
    select * from nodes_ranked where rn = 1
),
frontier as (
    select f.unique_id, f.upstream_id, f.kind
    from {{ freshrun.relation('freshrun_frontier') }} f
    join nodes n on n.unique_id = f.unique_id and n.node_hash = f.node_hash
),
events as (
    select * from {{ freshrun.relation('freshrun_events') }}
    where resource_type in ('model', 'seed', 'snapshot')
),
successes as (
    select * from events where status = 'success'
),
last_success as (
    select * from (
        select s.*, row_number() over (partition by unique_id order by completed_at desc) as rn
        from successes s
    ) ranked where rn = 1
),
last_event as (
    select unique_id, status from (
        select e.unique_id, e.status,
               row_number() over (partition by e.unique_id order by coalesce(e.completed_at, e.recorded_at) desc) as rn
        from events e
        where e.status in ('success', 'error', 'skipped')
    ) ranked where rn = 1
),
failures as (
    select e.unique_id, count(*) as consecutive_failures
    from events e
    left join last_success s on s.unique_id = e.unique_id
    where e.status = 'error' and (s.completed_at is null or coalesce(e.completed_at, e.recorded_at) > s.completed_at)
    group by e.unique_id
),
seed_loads as (
    select unique_id, started_at, checksum,
           lag(checksum) over (partition by unique_id order by started_at) as previous_checksum
    from successes
    where resource_type = 'seed'
),
seed_changes as (
    select unique_id, started_at as changed_at
    from seed_loads
    where previous_checksum is not null and checksum <> previous_checksum
),
clock as (
    select {{ freshrun.utc_now() }} as now_at
),
table_contributions as (
    select s.unique_id, s.data_time as t
    from last_success s
    union all
    select s.unique_id, min(c.changed_at) as t
    from last_success s
    join frontier f on f.unique_id = s.unique_id and f.kind = 'root'
    join seed_changes c on c.unique_id = f.upstream_id and c.changed_at > s.started_at
    group by s.unique_id
    union all
    select s.unique_id, min(u.started_at) as t
    from last_success s
    join frontier f on f.unique_id = s.unique_id and f.kind = 'frontier'
    join successes u on u.unique_id = f.upstream_id and u.resource_type <> 'seed' and u.completed_at > s.started_at
    group by s.unique_id
),
table_data_time as (
    select unique_id, min(t) as data_time
    from table_contributions
    group by unique_id
),
observations as (
    select unique_id, max_loaded_at from (
        select o.unique_id, o.max_loaded_at,
               row_number() over (partition by o.unique_id order by o.snapshotted_at desc) as rn
        from {{ freshrun.relation('freshrun_source_observations') }} o
        where o.max_loaded_at is not null
    ) ranked where rn = 1
),
pass_through_contributions as (
    select n.unique_id,
           case
               when up.resource_type = 'source' then
                   case when up.is_observed and o.max_loaded_at is not null then o.max_loaded_at else clock.now_at end
               when up.resource_type = 'seed' then null
               else td.data_time
           end as t,
           1 as has_frontier
    from nodes n
    cross join clock
    join frontier f on f.unique_id = n.unique_id and f.kind = 'frontier'
    join nodes up on up.unique_id = f.upstream_id
    left join observations o on o.unique_id = up.unique_id
    left join table_data_time td on td.unique_id = up.unique_id
    where n.materialized in ('view', 'ephemeral')
),
pass_through_data_time as (
    select n.unique_id,
           case when max(c.has_frontier) is null then max(clock.now_at) else min(c.t) end as data_time
    from nodes n
    cross join clock
    left join pass_through_contributions c on c.unique_id = n.unique_id
    where n.materialized in ('view', 'ephemeral')
    group by n.unique_id
),
models as (
    select
        n.unique_id,
        n.name,
        n.materialized,
        n.original_file_path,
        s.completed_at as last_success_at,
        case when n.materialized in ('view', 'ephemeral') then pt.data_time else td.data_time end as data_time,
        n.maximum_lag_minutes,
        n.cron_schedule,
        n.cron_schedule_timezone,
        n.build_after_minutes,
        n.updates_on,
        n.policy_error,
        coalesce(le.status, 'never_built') as last_status,
        coalesce(fl.consecutive_failures, 0) as consecutive_failures,
        clock.now_at
    from nodes n
    cross join clock
    left join last_success s on s.unique_id = n.unique_id
    left join table_data_time td on td.unique_id = n.unique_id
    left join pass_through_data_time pt on pt.unique_id = n.unique_id
    left join last_event le on le.unique_id = n.unique_id
    left join failures fl on fl.unique_id = n.unique_id
    where n.resource_type = 'model' and n.package_name <> 'freshrun'
),
judged as (
    select
        m.*,
        {{ freshrun.minutes_between('m.data_time', 'm.now_at') }} as lag_minutes,
        case
            when m.maximum_lag_minutes is null then false
            when m.last_success_at is null then false  -- never built: last_status says so; no lag to speak of
            when m.data_time is null then false
            when {{ freshrun.minutes_between('m.data_time', 'm.now_at') }} > m.maximum_lag_minutes then true
            else false
        end as is_overdue
    from models m
),
blockers as (
    select unique_id, blocked_by from (
        select j.unique_id, f.upstream_id as blocked_by,
               row_number() over (partition by j.unique_id order by o.max_loaded_at, f.upstream_id) as rn
        from judged j
        join frontier f on f.unique_id = j.unique_id and f.kind = 'root'
        join nodes up on up.unique_id = f.upstream_id and up.is_observed
        join observations o on o.unique_id = f.upstream_id
        where j.is_overdue
          and {{ freshrun.minutes_between('o.max_loaded_at', 'j.now_at') }} > j.maximum_lag_minutes
    ) ranked where rn = 1
)
select
    j.unique_id,
    j.name,
    j.materialized,
    j.original_file_path,
    j.last_success_at,
    j.data_time,
    j.lag_minutes,
    j.maximum_lag_minutes,
    j.cron_schedule,
    j.cron_schedule_timezone,
    j.build_after_minutes,
    j.updates_on,
    j.is_overdue,
    j.last_status,
    j.consecutive_failures,
    b.blocked_by,
    j.policy_error
from judged j
left join blockers b on b.unique_id = j.unique_id
