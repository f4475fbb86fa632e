select country, count(*) as orders, sum(amount) as revenue
from {{ ref('orders_enriched') }}
group by country
