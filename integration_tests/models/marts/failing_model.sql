{#- Fails on demand (var fail_model: true) with an error message full of quotes,
    backslashes and newlines, to test that recorded messages round-trip. -#}
{% if var('fail_model', false) %}
select cast('o''brien says "hi" \ back\slash
second line' as integer) as id
{% else %}
select 1 as id
{% endif %}
