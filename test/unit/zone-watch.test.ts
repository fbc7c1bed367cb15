// The held zone watch, without watching: with `watch: false` no watcher is set, release() hands nothing on and
// stopping is safe. Watching a real directory (held changes, git-sync swaps) is covered end to end by
// test/integration, where real file events and the watcher's debounce run.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeldZoneWatch } from '../../src/runtime/zone-watch.js';
import { recordingLogger } from '../helpers/recording-logger.js';

describe('HeldZoneWatch with watch: false', () => {
  it('watches nothing: release() hands no change on, and stop() is safe, twice', () => {
    const logger = recordingLogger();
    // A directory that does not exist: a watch on it would log a warning and retry.
    const watch = new HeldZoneWatch({ zonesDir: '/nonexistent/meridian-zones', watch: false }, logger);
    const changes: number[] = [];
    watch.release((lastEventAt) => changes.push(lastEventAt));
    watch.stop();
    watch.stop();
    assert.deepEqual(changes, []);
    assert.deepEqual(logger.lines, [], 'no watch was attempted');
  });
});
