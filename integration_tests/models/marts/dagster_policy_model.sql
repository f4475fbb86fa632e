select count(*) as events from {{ ref('stg_events') }}
