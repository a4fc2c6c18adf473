-- Erasures (GDPR Art. 17 and 19): one row per request, and one per supplier that received the subject's data
-- and is asked to erase it. No personal value: the subject is its keyed hash, the rest ids, codes and fixed text.
create table erasures (
  id uuid primary key,
  subject_hash text not null,
  -- The subject's request as privacy staff file it (a ticket or letter reference), and its Art. 17(1) ground.
  reference text not null,
  reason text not null,
  api_key_id text not null,
  api_key_name text not null,
  status text not null check (status in ('running', 'completed')),
  -- The local step: transfers whose payload can no longer be read (data key destroyed), and of those the ones
  -- that were still waiting for delivery and were cancelled.
  payloads_erased integer not null,
  transfers_cancelled integer not null,
  requested_at timestamptz not null default now(),
  completed_at timestamptz
);
-- One running erasure per subject; intake refuses the subject's transfers while it runs.
create unique index erasures_running on erasures (subject_hash) where status = 'running';

create table erasure_recipients (
  erasure_id uuid not null references erasures (id),
  supplier text not null,
  -- The supplier's legal name, from its agreement at the time of the request.
  recipient text not null,
  status text not null check (status in ('queued', 'sent', 'completed', 'retained', 'not_found', 'failed')),
  reason text not null,
  attempts integer not null default 0,
  -- The supplier's answer per record it was asked about: [{transferId, status, reason}].
  records jsonb not null default '[]'::jsonb,
  updated_at timestamptz not null default now(),
  primary key (erasure_id, supplier)
);
create index erasure_recipients_waiting on erasure_recipients (updated_at) where status in ('queued', 'sent');

-- Intake as in 001, and no transfer of a subject whose erasure runs. Each item's subject lock is taken shared
-- (intakes do not wait for each other); an erasure takes it exclusively while it destroys the subject's keys. So
-- either this batch commits first and the erasure, waiting for the lock, finds its rows, or the erasure holds
-- the lock (the try fails) or has committed (the next statement, with a fresh snapshot, sees it running), and
-- the subject's items are answered "erasing".
create or replace function sgw_accept_transfers(items jsonb) returns jsonb language plpgsql as $$
declare
  created uuid[];
  erasing text[];
  item sgw_transfer_item;
  earlier record;
  results jsonb := '[]'::jsonb;
begin
  select coalesce(array_agg(subject), '{}') into erasing
  from (select distinct x."subjectHash" as subject from jsonb_populate_recordset(null::sgw_transfer_item, items) x order by 1) subjects
  where not pg_try_advisory_xact_lock_shared(hashtextextended('sgw:subject:' || subject, 0));
  select erasing || coalesce(array_agg(e.subject_hash), '{}') into erasing
  from erasures e
  where e.status = 'running' and e.subject_hash in (select x."subjectHash" from jsonb_populate_recordset(null::sgw_transfer_item, items) x);

  with input as materialized (
    select x.*, pg_try_advisory_xact_lock(hashtextextended(x."apiKeyId" || ':' || x."idempotencyKey", 0)) as claimed
    from jsonb_populate_recordset(null::sgw_transfer_item, items) x
    where not x."subjectHash" = any(erasing)
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
    if item."subjectHash" = any(erasing) then
      results := results || '{"outcome": "erasing"}'::jsonb;
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
