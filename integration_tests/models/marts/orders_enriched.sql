select o.id, o.amount, o.loaded_at, c.name as customer_name, c.country
from {{ ref('stg_orders') }} o
left join {{ ref('raw_customers') }} c on c.id = o.customer_id
