{{ config(materialized='view') }}
select * from {{ ref('daily_order_summary') }}
