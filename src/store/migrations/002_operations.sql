-- Operations (issue 11): when the last error happened and when the next attempt is due, for ops to read.
alter table transfers add column last_error_at timestamptz, add column next_attempt_at timestamptz;
-- The ops list pages newest first by (created_at, id), under any filter.
create index transfers_created on transfers (created_at desc, id desc);

-- Who asked for each retry and cancel: the API key (its name kept, as a revoked key leaves the keys file),
-- what, which transfer, and the filter of a bulk retry.
create table ops_actions (
  id bigint generated always as identity primary key,
  api_key_id text not null,
  api_key_name text not null,
  action text not null check (action in ('retry', 'cancel')),
  transfer_id uuid not null,
  filter jsonb,
  at timestamptz not null default now()
);
create index ops_actions_transfer on ops_actions (transfer_id, at);
