// DNS over TCP framing for tests that drive the listener byte by byte (RFC 7766: a two-octet length prefix).

import type net from 'node:net';

export function frame(msg: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(msg.length);
  return Buffer.concat([prefix, msg]);
}

/** Resolves with the first framed response on the socket, or undefined when the socket closes first. */
export function firstResponse(socket: net.Socket, deadlineMs = 3_000): Promise<Buffer | undefined> {
  if (socket.destroyed) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('neither a response nor a close within the deadline')), deadlineMs);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        clearTimeout(timer);
        resolve(pending.subarray(2, 2 + pending.readUInt16BE(0)));
      }
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}
