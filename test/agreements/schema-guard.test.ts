import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { schemasDir } from '../../src/agreements/agreements';

/**
 * A guard for every agreed payload schema, present and future: minimal (objects name their fields and
 * allow no others) and labelled (every field that carries data says which category of personal data).
 */
type SchemaNode = Record<string, any>;

const schemaFiles = readdirSync(schemasDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((supplier) =>
    readdirSync(path.join(schemasDir, supplier.name), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && /^v\d+$/.test(entry.name))
      .flatMap((version) =>
        readdirSync(path.join(schemasDir, supplier.name, version.name))
          .filter((name) => name.endsWith('.schema.json'))
          .map((name) => path.join(supplier.name, version.name, name)),
      ),
  );

/** Every problem in a schema node, by its JSON pointer inside the schema. */
function problems(node: SchemaNode, pointer: string): string[] {
  if (node.type === 'object') {
    const found = node.additionalProperties === false ? [] : [`${pointer}: an object schema must have additionalProperties false`];
    if (!node.properties || Object.keys(node.properties).length === 0) found.push(`${pointer}: an object schema must name its properties`);
    for (const keyword of ['patternProperties', 'oneOf', 'anyOf', 'allOf', 'if', '$ref']) if (keyword in node) found.push(`${pointer}: ${keyword} makes minimisation unclear`);
    return found.concat(Object.entries(node.properties ?? {}).flatMap(([key, child]) => problems(child as SchemaNode, `${pointer}/properties/${key}`)));
  }
  const found = typeof node['x-data-category'] === 'string' && node['x-data-category'] !== '' ? [] : [`${pointer}: a leaf or array must have an x-data-category`];
  if (node.type === 'array' && node.items?.type === 'object') found.push(...problems(node.items, `${pointer}/items`));
  if (node.type === undefined) found.push(`${pointer}: must say its type`);
  return found;
}

describe('agreed payload schemas (schemas/<supplier>/v<N>/*.schema.json)', () => {
  test('there are some to check', () => {
    expect(schemaFiles).toEqual(expect.arrayContaining(['openprovider/v1/domain.register.request.schema.json']));
  });

  test.each(schemaFiles)('%s has a $id, declares JSON Schema 2020-12, and lives under its supplier and version', (file) => {
    const schema = JSON.parse(readFileSync(path.join(schemasDir, file), 'utf8'));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schema.$id).toBe('string');
    const [supplier, version, name] = file.split(path.sep);
    expect(schema.$id.endsWith(`/${supplier}/${version}/${name}`)).toBe(true);
  });

  test.each(schemaFiles)('%s is minimal and labelled: closed objects, a category on every leaf and array', (file) => {
    const schema = JSON.parse(readFileSync(path.join(schemasDir, file), 'utf8'));
    expect(problems(schema, '')).toEqual([]);
  });

  test('the guard itself catches an open object and an unlabelled field', () => {
    const sloppy = { type: 'object', properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } };
    expect(problems(sloppy, '')).toEqual([
      ': an object schema must have additionalProperties false',
      '/properties/name: a leaf or array must have an x-data-category',
      '/properties/tags: a leaf or array must have an x-data-category',
    ]);
  });

  test('$id values are unique across all schemas', () => {
    const ids = schemaFiles.map((file) => JSON.parse(readFileSync(path.join(schemasDir, file), 'utf8')).$id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
