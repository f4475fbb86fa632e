select id from {{ ref('failing_model') }}
