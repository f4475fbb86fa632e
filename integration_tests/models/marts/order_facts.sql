{{ config(materialized='incremental', unique_key='id') }}
select id, amount, loaded_at from {{ ref('stg_orders') }}
{% if is_incremental() %}
where loaded_at > (select coalesce(max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
{% endif %}
