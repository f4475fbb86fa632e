{{ config(materialized='ephemeral') }}
select kind, count(*) as n from {{ ref('stg_events') }} group by kind
