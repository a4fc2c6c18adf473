-- Every read of what was shared about people (the shares log, a subject's disclosures or export, an erasure
-- statement) names the API key that read it and what it read; rows from before keep the key's id alone.
alter table log_consultations add column api_key_name text, add column resource text not null default 'shares';
alter table log_consultations alter column resource drop default;
