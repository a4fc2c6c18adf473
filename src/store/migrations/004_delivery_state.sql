-- What a connector recorded of a transfer's delivery between attempts (supplier identifiers only).
alter table transfers add column delivery_state jsonb not null default '{}'::jsonb;
