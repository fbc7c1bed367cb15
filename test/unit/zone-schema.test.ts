import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { zonePolicySchema, zonePolicySchemaJson } from '../../src/zone/schema.js';

// Compiled tests run from dist/test/unit: the repository root is three levels up.
const repoFile = (path: string) => new URL(`../../../${path}`, import.meta.url);

type SchemaNode = Record<string, unknown>;

/** Every subschema that describes one value, with a JSON-pointer-like path for failure messages. */
function* valueSchemas(schema: SchemaNode, path = '#'): Generator<[string, SchemaNode]> {
  yield [path, schema];
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  for (const [key, child] of Object.entries(properties)) yield* valueSchemas(child, `${path}/properties/${key}`);
  if (typeof schema.additionalProperties === 'object') {
    yield* valueSchemas(schema.additionalProperties as SchemaNode, `${path}/additionalProperties`);
  }
  if (typeof schema.items === 'object') yield* valueSchemas(schema.items as SchemaNode, `${path}/items`);
}

describe('zone policy JSON schema', () => {
  it('is committed as docs/zone-policy.schema.json exactly as generated (run `npm run schema` to update)', async () => {
    const committed = await readFile(repoFile('docs/zone-policy.schema.json'), 'utf8');
    assert.equal(committed, zonePolicySchemaJson());
  });

  it('compiles in ajv strict mode, both as code and as the committed file', async () => {
    const committed = JSON.parse(await readFile(repoFile('docs/zone-policy.schema.json'), 'utf8')) as SchemaNode;
    for (const schema of [zonePolicySchema, committed]) {
      const ajv = new Ajv({ strict: true, allowUnionTypes: true });
      assert.doesNotThrow(() => ajv.compile(schema));
    }
  });

  it('has an $id and a title, and a description on every value so editors can show help', () => {
    assert.equal(typeof zonePolicySchema.$id, 'string');
    assert.equal(typeof zonePolicySchema.title, 'string');
    const undescribed = [...valueSchemas(zonePolicySchema)]
      .filter(([, schema]) => typeof schema.description !== 'string' || schema.description === '')
      .map(([path]) => path);
    assert.deepEqual(undescribed, []);
  });

  it('allows no unknown keys in any map with fixed keys', () => {
    const open = [...valueSchemas(zonePolicySchema)]
      .filter(([, schema]) => schema.properties !== undefined && schema.additionalProperties !== false)
      .map(([path]) => path);
    assert.deepEqual(open, []);
  });

  it('accepts the bundled example zone', async () => {
    const example: unknown = parse(await readFile(repoFile('zones/gslb.example.com.yaml'), 'utf8'));
    const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(zonePolicySchema);
    assert.equal(validate(example), true, JSON.stringify(validate.errors));
  });

  it('rejects a misspelt key, as an editor would while it is typed', () => {
    const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(zonePolicySchema);
    const zone = { zone: 'a.example', soa: { rname: 'h.a.example' }, nameservers: { 'ns.b.example': [] }, tl: 30 };
    assert.equal(validate(zone), false);
    assert.equal(validate.errors?.[0]?.keyword, 'additionalProperties');
  });
});
