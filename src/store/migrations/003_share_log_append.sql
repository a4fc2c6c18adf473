-- Appends shares-log entries in one statement: the chain lock, the head, the hashes and the rows, in one round
-- trip, and the lock held only until that statement's transaction ends. Each item is an entry's RFC 8785
-- canonical JSON text; the hash is SHA-256 of the canonical JSON of {"entry", "prevHash", "seq"}, which for
-- these keys (sorted: entry, prevHash, seq) is the concatenation below (docs/shares-log.md).
create function sgw_append_shares(entries text[]) returns void language plpgsql as $$
declare
  head record;
  next_seq bigint;
  prev text;
  canonical text;
  entry_hash text;
begin
  perform pg_advisory_xact_lock(hashtextextended('sgw:share_log', 0));
  select s.seq, s.hash into head from share_log s order by s.seq desc limit 1;
  next_seq := coalesce(head.seq, 0);
  prev := coalesce(head.hash, repeat('0', 64));
  foreach canonical in array entries loop
    next_seq := next_seq + 1;
    entry_hash := encode(sha256(convert_to('{"entry":' || canonical || ',"prevHash":"' || prev || '","seq":' || next_seq || '}', 'UTF8')), 'hex');
    insert into share_log (seq, entry, prev_hash, hash) values (next_seq, canonical::jsonb, prev, entry_hash);
    prev := entry_hash;
  end loop;
end $$;
