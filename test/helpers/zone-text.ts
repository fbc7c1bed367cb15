// Zone files as arrays of lines, for the validation tests: parse them, and write expected problems as
// (line, text on that line where the problem starts, message), turned here into `file:line:column: message`.

import assert from 'node:assert/strict';
import { parseZoneText } from '../../src/zone/load.js';
import { compileZoneSchema } from '../../src/zone/validate.js';
import { formatZoneIssue, type ZoneConfig } from '../../src/zone/model.js';
import type { ReadTextFile } from '../../src/zone/validate.js';

/** Compiled once for all the tables: compiling the schema costs more than most of the cases. */
const SCHEMA = compileZoneSchema();
export const ZONE_FILE = 'zones/gslb.example.com.yaml';
export const noFiles: ReadTextFile = () => undefined;
/** The lines every test zone starts with; a case adds its records below. */
export const ZONE_HEAD = [
  'zone: gslb.example.com',
  'soa: { rname: hostmaster.example.com }',
  'nameservers: { ns1.gslb.example.com: [203.0.113.53] }',
  'records:',
] as const;

/** [line, at, message]: `at` is the text where the problem starts on that line, or its column; line 0 means no position. */
export type Expected = readonly [line: number, at: string | number, message: string];

export function zoneText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Every problem in the file, formatted as `file:line:column: message`. */
export function zoneProblems(lines: readonly string[], readFile: ReadTextFile = noFiles): string[] {
  return parseZoneText(zoneText(lines), ZONE_FILE, readFile, {}, SCHEMA).issues.map(formatZoneIssue);
}

export function formatExpected(lines: readonly string[], [line, at, message]: Expected): string {
  if (line === 0) return `${ZONE_FILE}: ${message}`;
  const column = typeof at === 'number' ? at : (lines[line - 1]?.indexOf(at) ?? -1) + 1;
  assert.ok(column > 0, `test case error: '${String(at)}' is not on line ${line}`);
  return `${ZONE_FILE}:${line}:${column}: ${message}`;
}

/** The normalised zone of a file that must have no problem at all. */
export function parseValid(lines: readonly string[], readFile: ReadTextFile = noFiles): ZoneConfig {
  const { zone, issues } = parseZoneText(zoneText(lines), ZONE_FILE, readFile, {}, SCHEMA);
  assert.deepEqual(issues.map(formatZoneIssue), []);
  assert.ok(zone);
  return zone;
}
