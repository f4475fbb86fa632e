{#- The event history of the project's models, seeds and snapshots, newest first
    in any ORDER BY you add: one row per node per dbt invocation. -#}
select
    e.invocation_id,
    e.unique_id,
    e.name,
    e.resource_type,
    e.materialized,
    e.status,
    e.started_at,
    e.completed_at,
    e.execution_seconds,
    e.rows_affected,
    e.data_time,
    e.dbt_command,
    e.triggered_by,
    e.reasons,
    e.target_name,
    e.message,
    i.success as invocation_success
from {{ freshrun.relation('freshrun_events') }} e
left join {{ freshrun.relation('freshrun_invocations') }} i on i.invocation_id = e.invocation_id
where e.resource_type in ('model', 'seed', 'snapshot')
  and coalesce(e.package_name, '') <> 'freshrun'
