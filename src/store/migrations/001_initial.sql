-- Wrapped per-subject data keys. Erasure destroys the key (wrapped_key := null), which shreds every
-- payload sealed with it. A subject erased and later ordering again gets a new key.
create table subject_keys (
  id uuid primary key,
  subject_hash text not null,
  wrapped_key bytea,
  created_at timestamptz not null default now(),
  destroyed_at timestamptz
);
create unique index subject_keys_active on subject_keys (subject_hash) where destroyed_at is null;

-- No plaintext here: the minimised payload is sealed with the subject's key, the transfer id as associated data.
create table transfers (
  id uuid primary key,
  api_key_id text not null,
  supplier text not null,
  operation text not null,
  schema_id text not null,
  agreement_reference text not null,
  subject_hash text not null,
  subject_key_id uuid not null references subject_keys (id),
  purpose text not null,
  basis_type text not null,
  basis_reference text,
  fields_shared jsonb not null,
  fields_withheld jsonb not null,
  categories jsonb not null,
  sealed_payload bytea,
  status text not null default 'queued'
    check (status in ('queued', 'delivering', 'delivered', 'failed', 'cancelled', 'unknown')),
  attempts integer not null default 0,
  last_error_code text,
  last_error_detail text,
  supplier_reference text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index transfers_status on transfers (status, updated_at);
create index transfers_subject on transfers (subject_hash);

-- Keyed per API key. The stored response holds ids and field names only.
create table idempotency_keys (
  api_key_id text not null,
  key text not null,
  request_hash text not null,
  transfer_id uuid not null references transfers (id),
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (api_key_id, key)
);

-- The shares log: insert-only, hash-chained over RFC 8785 canonical JSON of each entry.
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

-- Intake in one round trip for a whole batch of requests (group commit). Per item, in order: the
-- idempotency claim (another process holding it → in_flight), replay or mismatch of an earlier claim,
-- the subject key (the subject already has another → rekey, answered with that key so the caller seals
-- again), then the transfer and its idempotency record.
create function sgw_accept_transfers(items jsonb) returns jsonb language plpgsql as $$
declare
  item jsonb;
  earlier record;
  active record;
  results jsonb := '[]'::jsonb;
begin
  for item in select value from jsonb_array_elements(items) loop
    if not pg_try_advisory_xact_lock(hashtextextended((item ->> 'apiKeyId') || ':' || (item ->> 'idempotencyKey'), 0)) then
      results := results || jsonb_build_object('outcome', 'in_flight');
      continue;
    end if;
    select i.request_hash, i.response, t.status into earlier
      from idempotency_keys i join transfers t on t.id = i.transfer_id
      where i.api_key_id = item ->> 'apiKeyId' and i.key = item ->> 'idempotencyKey';
    if found then
      results := results || jsonb_build_object(
        'outcome', case when earlier.request_hash = item ->> 'requestHash' then 'replay' else 'mismatch' end,
        'response', earlier.response, 'status', earlier.status);
      continue;
    end if;
    if item ? 'wrappedKey' then
      insert into subject_keys (id, subject_hash, wrapped_key)
        values ((item ->> 'subjectKeyId')::uuid, item ->> 'subjectHash', decode(item ->> 'wrappedKey', 'base64'))
        on conflict (subject_hash) where destroyed_at is null do nothing;
    end if;
    select id, wrapped_key into active from subject_keys where subject_hash = item ->> 'subjectHash' and destroyed_at is null;
    if not found or active.id <> (item ->> 'subjectKeyId')::uuid then
      results := results || case when found
        then jsonb_build_object('outcome', 'rekey', 'subjectKeyId', active.id, 'wrappedKey', encode(active.wrapped_key, 'base64'))
        else jsonb_build_object('outcome', 'rekey') end;
      continue;
    end if;
    insert into transfers (id, api_key_id, supplier, operation, schema_id, agreement_reference, subject_hash, subject_key_id,
        purpose, basis_type, basis_reference, fields_shared, fields_withheld, categories, sealed_payload)
      values ((item ->> 'transferId')::uuid, item ->> 'apiKeyId', item ->> 'supplier', item ->> 'operation', item ->> 'schemaId',
        item ->> 'agreementReference', item ->> 'subjectHash', (item ->> 'subjectKeyId')::uuid, item ->> 'purpose',
        item ->> 'basisType', item ->> 'basisReference', item -> 'fieldsShared', item -> 'fieldsWithheld', item -> 'categories',
        decode(item ->> 'sealedPayload', 'base64'));
    insert into idempotency_keys (api_key_id, key, request_hash, transfer_id, response)
      values (item ->> 'apiKeyId', item ->> 'idempotencyKey', item ->> 'requestHash', (item ->> 'transferId')::uuid, item -> 'response');
    results := results || jsonb_build_object('outcome', 'created');
  end loop;
  return results;
end $$;
