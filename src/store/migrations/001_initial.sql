-- No plaintext here. Each transfer's minimised payload is sealed (AES-256-GCM) under a data key of its own,
-- and that key is stored wrapped by the master key beside it, both bound to the transfer id. Erasure nulls
-- every wrapped key of the subject (crypto-shredding): the sealed bytes that remain, here and in any backup
-- taken after, are undecryptable.
create table transfers (
  id uuid primary key,
  api_key_id text not null,
  -- The caller's Idempotency-Key, per API key: a retry with it replays this transfer's answer.
  idempotency_key text not null,
  request_hash text not null,
  supplier text not null,
  operation text not null,
  schema_id text not null,
  agreement_reference text not null,
  subject_hash text not null,
  purpose text not null,
  basis_type text not null,
  basis_reference text,
  fields_shared jsonb not null,
  fields_withheld jsonb not null,
  categories jsonb not null,
  wrapped_key bytea,
  sealed_payload bytea,
  status text not null default 'queued'
    check (status in ('queued', 'delivering', 'delivered', 'failed', 'cancelled', 'unknown')),
  attempts integer not null default 0,
  last_error_code text,
  last_error_detail text,
  supplier_reference text,
  -- What the connector recorded of its delivery between attempts: the supplier's identifiers, no personal value.
  delivery_state jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index transfers_idempotency on transfers (api_key_id, idempotency_key);
create index transfers_status on transfers (status, updated_at);
create index transfers_subject on transfers (subject_hash);

-- A value sealed under the master key and one hashed under the subject hash key, written at the first start:
-- a later start with other keys, which could neither open the payloads nor find a subject's entries, is refused.
create table key_checks (
  id integer primary key check (id = 1),
  sealed_probe bytea not null,
  subject_hash_probe text not null
);

-- The shares log: insert-only, hash-chained over RFC 8785 canonical JSON of each entry (docs/shares-log.md).
create table share_log (
  seq bigint primary key,
  entry jsonb not null,
  prev_hash text not null,
  hash text not null
);
create index share_log_subject on share_log ((entry ->> 'subject'), seq);
create index share_log_transfer on share_log ((entry ->> 'transferId'));

create function share_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'share_log is append-only: % refused', tg_op;
end $$;
create trigger share_log_no_update before update or delete on share_log
  for each row execute function share_log_refuse_change();
create trigger share_log_no_truncate before truncate on share_log
  for each statement execute function share_log_refuse_change();

-- Who read the shares log, when, with which filter (subject filters are stored hashed).
create table log_consultations (
  id bigint generated always as identity primary key,
  api_key_id text not null,
  filter jsonb not null,
  at timestamptz not null default now()
);

-- One row of an intake batch, as the intake sends it.
create type sgw_transfer_item as (
  "transferId" uuid, "apiKeyId" text, "idempotencyKey" text, "requestHash" text, "subjectHash" text, supplier text,
  operation text, "schemaId" text, "agreementReference" text, purpose text, "basisType" text, "basisReference" text,
  "fieldsShared" jsonb, "fieldsWithheld" jsonb, categories jsonb, "wrappedKey" text, "sealedPayload" text
);

-- Intake for a whole batch in one statement and one commit (group commit). Each item is a new transfer
-- unless its idempotency claim is held by another session (in_flight) or its key names an earlier
-- transfer (replay when the request is the same, mismatch when not); the answers come in item order.
create function sgw_accept_transfers(items jsonb) returns jsonb language plpgsql as $$
declare
  created uuid[];
  item sgw_transfer_item;
  earlier record;
  results jsonb := '[]'::jsonb;
begin
  with input as materialized (
    select x.*, pg_try_advisory_xact_lock(hashtextextended(x."apiKeyId" || ':' || x."idempotencyKey", 0)) as claimed
    from jsonb_populate_recordset(null::sgw_transfer_item, items) x
  ), inserted as (
    insert into transfers (id, api_key_id, idempotency_key, request_hash, supplier, operation, schema_id, agreement_reference,
        subject_hash, purpose, basis_type, basis_reference, fields_shared, fields_withheld, categories, wrapped_key, sealed_payload)
      select "transferId", "apiKeyId", "idempotencyKey", "requestHash", supplier, operation, "schemaId", "agreementReference",
        "subjectHash", purpose, "basisType", "basisReference", "fieldsShared", "fieldsWithheld", categories,
        decode("wrappedKey", 'base64'), decode("sealedPayload", 'base64')
      from input where claimed
      on conflict (api_key_id, idempotency_key) do nothing
      returning id
  )
  select coalesce(array_agg(id), '{}') into created from inserted;
  if cardinality(created) = jsonb_array_length(items) then
    return (select coalesce(jsonb_agg('{"outcome": "created"}'::jsonb), '[]') from generate_series(1, cardinality(created)));
  end if;

  for item in select * from jsonb_populate_recordset(null::sgw_transfer_item, items) loop
    if item."transferId" = any(created) then
      results := results || '{"outcome": "created"}'::jsonb;
      continue;
    end if;
    -- Held by this transaction already, unless another session holds it.
    if not pg_try_advisory_xact_lock(hashtextextended(item."apiKeyId" || ':' || item."idempotencyKey", 0)) then
      results := results || '{"outcome": "in_flight"}'::jsonb;
      continue;
    end if;
    select * into earlier from transfers t where t.api_key_id = item."apiKeyId" and t.idempotency_key = item."idempotencyKey";
    results := results || jsonb_build_object(
      'outcome', case when earlier.request_hash = item."requestHash" then 'replay' else 'mismatch' end,
      'status', earlier.status,
      'response', jsonb_build_object('id', earlier.id, 'status', 'queued', 'supplier', earlier.supplier, 'operation', earlier.operation,
        'fieldsShared', earlier.fields_shared, 'fieldsWithheld', earlier.fields_withheld));
  end loop;
  return results;
end $$;
