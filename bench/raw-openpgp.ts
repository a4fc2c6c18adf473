import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createMessage, decryptKey, encrypt, readKey, readPrivateKey } from 'openpgp';
import { debtCollectDocument } from '../connectors/pgp-sftp/operations/debt-collect';
import { debtCollectData } from './transfer-body';

/**
 * The file-supplier benchmark's reference: OpenPGP encrypt + sign of `DOCUMENTS` documents as the connector
 * writes them, with openpgp alone, `CONCURRENCY` at a time, in a process of its own, after a warm-up. Prints the
 * documents per second as one JSON line.
 */
const { RECIPIENT_KEY_FILE, SIGNING_KEY_FILE, SIGNING_KEY_PASSPHRASE, CONCURRENCY, DOCUMENTS } = process.env as Record<string, string>;

async function main(): Promise<void> {
  const recipient = await readKey({ armoredKey: readFileSync(RECIPIENT_KEY_FILE, 'utf8') });
  const locked = await readPrivateKey({ armoredKey: readFileSync(SIGNING_KEY_FILE, 'utf8') });
  const signing = locked.isDecrypted() ? locked : await decryptKey({ privateKey: locked, passphrase: SIGNING_KEY_PASSPHRASE });
  const seal = async (document: Buffer) =>
    encrypt({ message: await createMessage({ binary: document, format: 'binary' }), encryptionKeys: recipient, signingKeys: signing, format: 'binary' });
  const run = async (documents: number) => {
    const queue = Array.from({ length: documents }, () => debtCollectDocument(debtCollectData(), randomUUID()));
    const started = performance.now();
    await Promise.all(Array.from({ length: Number(CONCURRENCY) }, async () => {
      for (let document = queue.pop(); document; document = queue.pop()) await seal(document);
    }));
    return documents / ((performance.now() - started) / 1000);
  };
  await run(200); // warm-up: JIT and key caches, as the gateway's worker has had
  console.log(JSON.stringify({ perSecond: await run(Number(DOCUMENTS)) }));
}

void main();
