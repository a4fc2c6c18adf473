-- Signed heads of the shares log (docs/shares-log.md, "Checkpoints"): the chain shows that no entry before the
-- head changed, a signed head that entries after it were not cut off. A head is signed once per key, so two
-- processes signing the same head at once write one row. Like the log, the table only grows.
create table share_log_checkpoints (
  seq bigint not null,
  hash text not null,
  signed_at timestamptz not null,
  -- PEM (SPKI) of the Ed25519 key that signed, so the table alone tells a verifier which key to expect.
  public_key text not null,
  signature text not null,
  primary key (seq, public_key)
);

create function sgw_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op;
end $$;
create trigger share_log_checkpoints_no_update before update or delete on share_log_checkpoints
  for each row execute function sgw_refuse_change();
create trigger share_log_checkpoints_no_truncate before truncate on share_log_checkpoints
  for each statement execute function sgw_refuse_change();
