import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const XSD_DIR = path.join(__dirname, 'xsd');

/** The schemas, read once: `index.xsd` first, then the files it imports. */
let schemas: Array<{ fileName: string; contents: string }> | undefined;

function loadSchemas() {
  schemas ??= readdirSync(XSD_DIR)
    .filter((file) => file.endsWith('.xsd'))
    .sort((a, b) => Number(b === 'index.xsd') - Number(a === 'index.xsd'))
    .map((fileName) => ({ fileName, contents: readFileSync(path.join(XSD_DIR, fileName), 'utf8') }));
  return schemas;
}

/**
 * The XSD errors of EPP frames against `xsd/index.xsd` (RFC 5730–5733 and SIDN's extension), each naming its
 * frame (`frame-<n>.xml`, numbered from 0); empty when all are valid. One run of xmllint validates them all.
 * xmllint-wasm is a development dependency, loaded only when a sandbox or a test validates.
 */
export async function xsdErrorsOf(...frames: string[]): Promise<string[]> {
  const { validateXML } = await import('xmllint-wasm');
  const [index, ...imported] = loadSchemas();
  const xml = frames.map((contents, n) => ({ fileName: `frame-${n}.xml`, contents }));
  const result = await validateXML({ xml, schema: index, preload: imported });
  return result.errors.map((error) => `${error.loc?.fileName ?? 'frames'}: ${error.message}`);
}
