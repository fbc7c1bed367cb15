// Zone files with only warnings (out-of-zone name server addresses, which BIND and Knot also ignore) are served;
// the warnings are logged at start and on reload. With `strict`, a warning is an error, as it is for validate.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startMeridian, type Meridian } from '../../src/runtime/meridian.js';
import { Rcode, RRType } from '../../src/base/wire.js';
import { MeridianError } from '../../src/base/errors.js';
import { silentLogger, type LogFields, type Logger } from '../../src/base/logger.js';
import { dnsClient } from '../helpers/dns-client.js';
import { makeZoneDir, TEST_ZONE_YAML } from '../helpers/zone-files.js';

const FILE = 'gslb.example.test.yaml';
const WITH_OUTSIDE_ADDRESSES = TEST_ZONE_YAML.replace('nameservers:\n', 'nameservers:\n  ns.other.example: [192.0.2.53]\n');

function recordingLogger(): Logger & { readonly warnings: Array<{ msg: string; fields: LogFields | undefined }> } {
  const warnings: Array<{ msg: string; fields: LogFields | undefined }> = [];
  const logger = { ...silentLogger, warnings, warn: (msg: string, fields?: LogFields) => void warnings.push({ msg, fields }), child: () => logger };
  return logger;
}

describe('zone warnings when serving', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const serve = async (zonesDir: string, logger: Logger, strict = false): Promise<Meridian> => {
    const meridian = await startMeridian({ zonesDir, listen: [{ host: '127.0.0.1', port: 0 }], logger, watch: false, strict });
    cleanups.push(() => meridian.stop());
    return meridian;
  };

  it('serves a zone whose out-of-zone name server has addresses, without them, and logs the warning', async () => {
    const zones = await makeZoneDir({ [FILE]: WITH_OUTSIDE_ADDRESSES });
    cleanups.push(() => zones.remove());
    const logger = recordingLogger();
    const meridian = await serve(zones.dir, logger);
    const warning = logger.warnings.find((w) => w.msg === 'zone policy warning');
    assert.ok(warning, `no warning logged; warnings: ${JSON.stringify(logger.warnings)}`);
    assert.match(String(warning.fields?.issue), new RegExp(`${FILE}:5:21: warning: name server 'ns\\.other\\.example' lies outside the zone`));

    const dns = await dnsClient(meridian.dnsEndpoints[0]);
    cleanups.push(() => dns.close());
    const ns = await dns.query('gslb.example.test', RRType.NS);
    assert.equal(ns.rcode, Rcode.NOERROR);
    assert.ok(
      ns.answer.some((rr) => rr.endsWith('NS ns.other.example.')),
      ns.answer.join('\n'),
    );
    assert.ok(!ns.additional.some((rr) => rr.includes('192.0.2.53')), `the ignored address is not glue: ${ns.additional.join('\n')}`);
    assert.ok(
      ns.additional.some((rr) => rr.includes('127.0.0.1')),
      'in-zone glue is still there',
    );

    logger.warnings.length = 0;
    await meridian.reload('test');
    assert.ok(
      logger.warnings.some((w) => w.msg === 'zone policy warning'),
      'the warning is logged again on reload',
    );
  });

  it('with strict, refuses to start on a warning', async () => {
    const zones = await makeZoneDir({ [FILE]: WITH_OUTSIDE_ADDRESSES });
    cleanups.push(() => zones.remove());
    await assert.rejects(serve(zones.dir, silentLogger, true), (error: unknown) => {
      assert.ok(error instanceof MeridianError);
      assert.equal(error.code, 'MERIDIAN_ZONES_INVALID');
      assert.match(error.message, /:5:21: warning: name server 'ns\.other\.example' lies outside the zone/);
      return true;
    });
  });
});
