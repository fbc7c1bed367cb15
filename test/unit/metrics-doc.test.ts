// docs/metrics.md must list exactly the metrics Meridian registers (beside prom-client's process defaults).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { MeridianMetrics } from '../../src/observability/metrics.js';

describe('docs/metrics.md', () => {
  it('documents every metric, and only those', async () => {
    const registered = (await new MeridianMetrics(new Registry()).names())
      .filter((name) => !name.startsWith('meridian_process_') && !name.startsWith('meridian_nodejs_'))
      .sort();
    const doc = await readFile(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(meridian_[a-z_]+)` \|/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, registered);
  });
});
