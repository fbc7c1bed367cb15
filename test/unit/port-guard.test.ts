// The primary's guard on its workers' ports (src/workers/port-guard.ts).

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { guardAddresses } from '../../src/workers/port-guard.js';
import { freePort } from '../helpers/processes.js';

describe('guardAddresses', () => {
  it('refuses a second guard on the same address before any worker has bound it (two servers starting at once)', async (t) => {
    if (process.platform !== 'linux') return t.skip('the lock is a Linux abstract socket');
    const endpoint = { host: '127.0.0.1', port: await freePort() };
    const first = await guardAddresses([endpoint]);
    try {
      await assert.rejects(guardAddresses([endpoint]), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'MERIDIAN_LISTEN_FAILED');
        assert.match(error.message, new RegExp(`cannot listen for DNS on 127\\.0\\.0\\.1:${endpoint.port}: another Meridian server`));
        return true;
      });
    } finally {
      await first.release();
    }
    // Released: the address can be guarded again.
    await (await guardAddresses([endpoint])).release();
  });

  it('lets the guarding server’s own SO_REUSEPORT sockets bind', async () => {
    const endpoint = { host: '127.0.0.1', port: await freePort() };
    const guard = await guardAddresses([endpoint]);
    const sockets = [dgram.createSocket({ type: 'udp4', reusePort: true }), dgram.createSocket({ type: 'udp4', reusePort: true })];
    try {
      for (const socket of sockets)
        await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(endpoint.port, endpoint.host, () => resolve()));
    } finally {
      for (const socket of sockets) socket.close();
      await guard.release();
    }
  });

  it('refuses an address that an SO_REUSEPORT group already holds', async () => {
    const endpoint = { host: '127.0.0.1', port: await freePort() };
    const other = dgram.createSocket({ type: 'udp4', reusePort: true });
    await new Promise<void>((resolve) => other.bind(endpoint.port, endpoint.host, () => resolve()));
    try {
      await assert.rejects(guardAddresses([endpoint]), {
        code: 'MERIDIAN_LISTEN_FAILED',
        message: `cannot listen for UDP on 127.0.0.1:${endpoint.port}: EADDRINUSE`,
      });
    } finally {
      other.close();
    }
  });
});
