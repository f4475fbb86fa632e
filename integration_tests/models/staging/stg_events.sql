select id, kind, loaded_at from {{ source('shop', 'events') }}
