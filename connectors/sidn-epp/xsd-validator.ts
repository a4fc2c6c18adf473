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
 * The XSD errors of one EPP frame against `xsd/index.xsd` (RFC 5730–5733 and SIDN's extension); empty when it
 * is valid. xmllint-wasm is a development dependency, loaded only when a sandbox or a test validates.
 */
export async function xsdErrorsOf(xml: string): Promise<string[]> {
  const { validateXML } = await import('xmllint-wasm');
  const [index, ...imported] = loadSchemas();
  const result = await validateXML({ xml: { fileName: 'frame.xml', contents: xml }, schema: index, preload: imported });
  return result.errors.map((error) => error.message);
}
