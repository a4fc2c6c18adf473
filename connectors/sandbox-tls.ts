import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ThrowawayCa {
  /** The CA's certificate: a client trusts the server through it. */
  caFile: string;
  /** The server's key and certificate, for 127.0.0.1 and localhost. */
  key: Buffer;
  cert: Buffer;
  /** A client certificate the same CA signed, for a server that requires one. */
  clientCertFile: string;
  clientKeyFile: string;
}

/** A throwaway CA, valid two days, with a server and a client certificate it signed, made in `dir` with the openssl CLI. */
export function makeThrowawayCa(dir: string, caName: string): ThrowawayCa {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const sign = (name: string, extensions: string) => {
    writeFileSync(path.join(dir, `${name}.cnf`), extensions);
    openssl(['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.cnf`]);
  };
  openssl(['req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${caName}`]);
  sign('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string) => path.join(dir, name);
  return {
    caFile: file('ca.crt'),
    key: readFileSync(file('server.key')),
    cert: readFileSync(file('server.crt')),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
}
