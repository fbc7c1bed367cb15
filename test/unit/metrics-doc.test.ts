// docs/metrics.md must list exactly the metrics Meridian registers (beside prom-client's process defaults),
// those of a server with peers included: the peer group's metrics are registered only when peers are configured.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { MeridianMetrics } from '../../src/observability/metrics.js';
import { PeerMetrics } from '../../src/observability/peer-metrics.js';

describe('docs/metrics.md', () => {
  it('documents every metric, and only those', async () => {
    const metrics = new MeridianMetrics(new Registry());
    // On the server's own registry, as runtime/peer-group.ts registers them.
    new PeerMetrics(metrics.registry, ['us-east']);
    const registered = (await metrics.names()).filter((name) => !name.startsWith('meridian_process_') && !name.startsWith('meridian_nodejs_')).sort();
    const doc = await readFile(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(meridian_[a-z_]+)` \|/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, registered);
  });
});
