select id, name, country from {{ ref('raw_customers') }}
