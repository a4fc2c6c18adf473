-- sgw_accept_transfers checked a returning subject's key with `(key, subject) in (select … from subject_keys)`
-- under an OR, which PostgreSQL may run as a hashed subplan (it did, from a few thousand keys on): a scan of
-- every subject's key, per batch, growing with the number of customers. Here each item looks its subject's
-- active key up in a correlated subquery, which PostgreSQL does not turn into a join: one probe of the
-- unique index per item. A row's new key is stored only when the subject has no active key and the key's
-- id is not taken, and a batch whose items are all created (the common case) is answered without a second
-- pass over the items.
drop function sgw_accept_transfers(jsonb);
create function sgw_accept_transfers(items jsonb) returns jsonb language plpgsql as $$
declare
  created uuid[];
  total integer;
  item sgw_transfer_item;
  earlier record;
  active record;
  results jsonb := '[]'::jsonb;
begin
  with input as materialized (
    select x.*,
      pg_try_advisory_xact_lock(hashtextextended(x."apiKeyId" || ':' || x."idempotencyKey", 0)) as claimed,
      (select k.id from subject_keys k where k.subject_hash = x."subjectHash" and k.destroyed_at is null) as "activeKeyId"
    from jsonb_populate_recordset(null::sgw_transfer_item, items) x
  ), new_keys as (
    insert into subject_keys (id, subject_hash, wrapped_key)
      select distinct on ("subjectHash") "subjectKeyId", "subjectHash", decode("wrappedKey", 'base64')
      from input where claimed and "activeKeyId" is null and "wrappedKey" is not null
      -- Any conflict: another writer's key for the subject, or this very key, stored and since destroyed
      -- (an intake thread may still remember it); either way the item is answered `rekey` below.
      on conflict do nothing
      returning id, subject_hash
  ), inserted as (
    insert into transfers (id, api_key_id, idempotency_key, request_hash, supplier, operation, schema_id, agreement_reference,
        subject_hash, subject_key_id, purpose, basis_type, basis_reference, fields_shared, fields_withheld, categories, sealed_payload)
      select "transferId", "apiKeyId", "idempotencyKey", "requestHash", supplier, operation, "schemaId", "agreementReference",
        "subjectHash", "subjectKeyId", purpose, "basisType", "basisReference", "fieldsShared", "fieldsWithheld", categories,
        decode("sealedPayload", 'base64')
      from input
      where claimed and ("subjectKeyId" = "activeKeyId" or ("subjectKeyId", "subjectHash") in (select id, subject_hash from new_keys))
      on conflict (api_key_id, idempotency_key) do nothing
      returning id
  )
  select coalesce(array_agg(id), '{}'), (select count(*) from input) into created, total from inserted;
  if cardinality(created) = total then
    return (select coalesce(jsonb_agg('{"outcome": "created"}'::jsonb), '[]') from generate_series(1, total));
  end if;

  for item in select * from jsonb_populate_recordset(null::sgw_transfer_item, items) loop
    if item."transferId" = any(created) then
      results := results || '{"outcome": "created"}'::jsonb;
      continue;
    end if;
    -- Held by this transaction already, unless another process holds it.
    if not pg_try_advisory_xact_lock(hashtextextended(item."apiKeyId" || ':' || item."idempotencyKey", 0)) then
      results := results || '{"outcome": "in_flight"}'::jsonb;
      continue;
    end if;
    select * into earlier from transfers t where t.api_key_id = item."apiKeyId" and t.idempotency_key = item."idempotencyKey";
    if found then
      results := results || jsonb_build_object(
        'outcome', case when earlier.request_hash = item."requestHash" then 'replay' else 'mismatch' end,
        'status', earlier.status,
        'response', jsonb_build_object('id', earlier.id, 'status', 'queued', 'supplier', earlier.supplier, 'operation', earlier.operation,
          'fieldsShared', earlier.fields_shared, 'fieldsWithheld', earlier.fields_withheld));
      continue;
    end if;
    select id, wrapped_key into active from subject_keys where subject_hash = item."subjectHash" and destroyed_at is null;
    results := results || case when found
      then jsonb_build_object('outcome', 'rekey', 'subjectKeyId', active.id, 'wrappedKey', encode(active.wrapped_key, 'base64'))
      else '{"outcome": "rekey"}'::jsonb end;
  end loop;
  return results;
end $$;
