// The server's GeoIP database (--geoip-db FILE.mmdb), read with mmdb-lib, the MaxMind DB reader the maxmind
// package is built on, and replaced when the file changes: a database that fails to read is logged and the
// last good one keeps answering. Lookups happen only on a classifier's cache miss (client-classifier.ts).

import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Reader, type CountryResponse } from 'mmdb-lib';
import { Errors } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { GeoIpLookup } from './client-classifier.js';

/** A change is read once the file has been quiet this long (a copy or a rename in several steps). */
const SETTLE_MS = 300;

export class GeoIpFile implements GeoIpLookup {
  readonly #file: string;
  readonly #logger: Logger;
  #reader: Reader<CountryResponse>;
  #generation = 1;
  #watcher: FSWatcher | undefined;
  #settle: NodeJS.Timeout | undefined;

  private constructor(file: string, reader: Reader<CountryResponse>, logger: Logger) {
    this.#file = file;
    this.#reader = reader;
    this.#logger = logger;
  }

  /** Reads the database; MERIDIAN_GEOIP_DB when it cannot be read or is not a MaxMind DB. */
  static async open(file: string, logger: Logger): Promise<GeoIpFile> {
    return new GeoIpFile(file, await readDatabase(file), logger);
  }

  get generation(): number {
    return this.#generation;
  }

  lookup(address: string): { readonly country?: string; readonly continent?: string; readonly prefix: number } {
    try {
      const [record, prefix] = this.#reader.getWithPrefixLength(address);
      const country = record?.country?.iso_code;
      const continent = record?.continent?.code;
      return { ...(country === undefined ? {} : { country }), ...(continent === undefined ? {} : { continent }), prefix };
    } catch {
      // An IPv6 address in an IPv4-only database, say: no country, and no network to scope by.
      return { prefix: 0 };
    }
  }

  /** Watches the file's directory (a replaced file is a new inode: watching the file alone would miss it). */
  watch(): void {
    if (this.#watcher !== undefined) return;
    try {
      this.#watcher = watch(path.dirname(this.#file), (_event, name) => {
        if (name !== null && name !== path.basename(this.#file)) return;
        clearTimeout(this.#settle);
        this.#settle = setTimeout(() => void this.#reload(), SETTLE_MS);
        this.#settle.unref();
      });
      this.#watcher.on('error', (error) => this.#logger.warn('GeoIP database watch failed; changes need a restart', { file: this.#file, error }));
    } catch (error) {
      this.#logger.warn('GeoIP database not watched; changes need a restart', { file: this.#file, error });
    }
  }

  stop(): void {
    clearTimeout(this.#settle);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  async #reload(): Promise<void> {
    try {
      this.#reader = await readDatabase(this.#file);
      this.#generation++;
      this.#logger.info('GeoIP database reloaded', { file: this.#file, built: this.#reader.metadata.buildEpoch });
    } catch (error) {
      this.#logger.error('GeoIP database changed but cannot be read; keeping the one loaded', { file: this.#file, error });
    }
  }
}

async function readDatabase(file: string): Promise<Reader<CountryResponse>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw Errors.geoipDatabase([file, (error as NodeJS.ErrnoException).code ?? (error as Error).message], { cause: error });
  }
  try {
    return new Reader<CountryResponse>(bytes);
  } catch (error) {
    throw Errors.geoipDatabase([file, `not a MaxMind DB file (${(error as Error).message})`], { cause: error });
  }
}
