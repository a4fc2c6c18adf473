import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A throwaway CA and a server certificate for 127.0.0.1 it signed, made in `dir` with the openssl CLI. */
export function makeThrowawayCa(dir: string, caName = 'supplier-gateway test CA'): { caFile: string; key: Buffer; cert: Buffer } {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const newKey = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(['req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${caName}`]);
  openssl(['req', ...newKey, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1']);
  openssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf']);
  return { caFile: path.join(dir, 'ca.crt'), key: readFileSync(path.join(dir, 'srv.key')), cert: readFileSync(path.join(dir, 'srv.crt')) };
}
