select kind, n from {{ ref('eph_event_kinds') }}
