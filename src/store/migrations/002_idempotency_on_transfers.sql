-- An Idempotency-Key belongs to the transfer it created, so it is kept on that row; a replay's answer is
-- rebuilt from the row instead of being stored twice. One table and one index fewer per transfer.
alter table transfers add column idempotency_key text, add column request_hash text;
update transfers t set idempotency_key = i.key, request_hash = i.request_hash from idempotency_keys i where i.transfer_id = t.id;
alter table transfers alter column idempotency_key set not null, alter column request_hash set not null;
create unique index transfers_idempotency on transfers (api_key_id, idempotency_key);
drop table idempotency_keys;

-- One row of an intake batch, as the intake sends it.
create type sgw_transfer_item as (
  "transferId" uuid, "apiKeyId" text, "idempotencyKey" text, "requestHash" text, "subjectHash" text, "subjectKeyId" uuid,
  "wrappedKey" text, supplier text, operation text, "schemaId" text, "agreementReference" text, purpose text, "basisType" text,
  "basisReference" text, "fieldsShared" jsonb, "fieldsWithheld" jsonb, categories jsonb, "sealedPayload" text
);

-- Intake in one round trip for a whole batch (group commit). The common case, a new request sealed under
-- a new subject key or the subject's active one, is two set-based inserts. Every other item is answered
-- one by one, in order: the idempotency claim held by another process → in_flight; an earlier transfer
-- under the same key → replay or mismatch; the subject has another key → rekey, answered with that key
-- so the caller seals again.
drop function sgw_accept_transfers(jsonb);
create function sgw_accept_transfers(items jsonb) returns jsonb language plpgsql as $$
declare
  created uuid[];
  item sgw_transfer_item;
  earlier record;
  active record;
  results jsonb := '[]'::jsonb;
begin
  with input as materialized (
    select x.*, pg_try_advisory_xact_lock(hashtextextended(x."apiKeyId" || ':' || x."idempotencyKey", 0)) as claimed
    from jsonb_populate_recordset(null::sgw_transfer_item, items) x
  ), new_keys as (
    insert into subject_keys (id, subject_hash, wrapped_key)
      select distinct on ("subjectHash") "subjectKeyId", "subjectHash", decode("wrappedKey", 'base64')
      from input where claimed and "wrappedKey" is not null
      on conflict (subject_hash) where destroyed_at is null do nothing
      returning id, subject_hash
  ), inserted as (
    insert into transfers (id, api_key_id, idempotency_key, request_hash, supplier, operation, schema_id, agreement_reference,
        subject_hash, subject_key_id, purpose, basis_type, basis_reference, fields_shared, fields_withheld, categories, sealed_payload)
      select "transferId", "apiKeyId", "idempotencyKey", "requestHash", supplier, operation, "schemaId", "agreementReference",
        "subjectHash", "subjectKeyId", purpose, "basisType", "basisReference", "fieldsShared", "fieldsWithheld", categories,
        decode("sealedPayload", 'base64')
      from input
      where claimed
        and (("subjectKeyId", "subjectHash") in (select id, subject_hash from new_keys)
          or ("subjectKeyId", "subjectHash") in (select id, subject_hash from subject_keys where destroyed_at is null))
      on conflict (api_key_id, idempotency_key) do nothing
      returning id
  )
  select coalesce(array_agg(id), '{}') into created from inserted;

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
