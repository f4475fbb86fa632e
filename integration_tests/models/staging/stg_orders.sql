select id, customer_id, amount, loaded_at from {{ source('shop', 'orders') }}
