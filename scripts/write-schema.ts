// Writes the zone policy JSON schema to docs/zone-policy.schema.json, where editors find it through the
// `# yaml-language-server: $schema=...` modeline of zone files. Run with `npm run schema`; a unit test fails when
// the committed file and src/zone/schema.ts disagree.

import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { zonePolicySchemaJson } from '../src/zone/schema.js';

// Compiled to dist/scripts/write-schema.js: the repository root is two levels up.
const target = fileURLToPath(new URL('../../docs/zone-policy.schema.json', import.meta.url));

await writeFile(target, zonePolicySchemaJson());
process.stdout.write(`wrote ${target}\n`);
