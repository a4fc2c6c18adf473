-- A supplier that takes erasure requests by file acts on them outside the gateway: once the request has reached
-- it, its recipient ends `sent`. The in-between state (asked, waiting for the connector's answer), `sent`
-- until now, becomes `asking`.
alter table erasure_recipients drop constraint erasure_recipients_status_check;
update erasure_recipients set status = 'asking' where status = 'sent';
alter table erasure_recipients add constraint erasure_recipients_status_check
  check (status in ('queued', 'asking', 'sent', 'completed', 'retained', 'not_found', 'failed'));
drop index erasure_recipients_waiting;
create index erasure_recipients_waiting on erasure_recipients (updated_at) where status in ('queued', 'asking');
