// Pass 2 of validation: the structure of the plain data (types, required and unknown keys, enums, patterns, bounds),
// checked by ajv against the JSON schema of schema.ts, the same schema editors use, with each ajv error turned into
// a human message at the key or value it is about.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { describeValue, labelFor, report, type CheckContext } from './check-context.js';
import { DURATION_PATTERN } from './duration.js';
import { childPointer, type PointerPart } from './json-pointer.js';
import { isPlainMap } from './plain-data.js';
import {
  CAA_TAG_PATTERN,
  CLUSTER_NAME_PATTERN,
  HTTP_PATH_PATTERN,
  OBJECT_REF_PATTERN,
  REGION_NAME_PATTERN,
  STATUS_RANGE_PATTERN,
  TWO_LETTER_CODE_PATTERN,
  zonePolicySchema,
} from './schema.js';

/**
 * The zone policy schema compiled by ajv. Compiling takes 15 to 50 ms, so a load compiles it once and shares it
 * among its files (load.ts); the function keeps no state between calls that we rely on (its `errors` are read
 * right after the synchronous call).
 */
export type CompiledZoneSchema = ValidateFunction;

export function compileZoneSchema(): CompiledZoneSchema {
  return new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(zonePolicySchema);
}

const TYPE_PHRASES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  null: 'empty',
};

const PATTERN_PHRASES: Record<string, string> = {
  [DURATION_PATTERN]: 'must be a duration such as 500ms, 5s, 1m or 1h30m',
  [CLUSTER_NAME_PATTERN]: "must be a cluster name of lowercase letters, digits and '-'",
  [STATUS_RANGE_PATTERN]: 'must be a status code or a range such as 200-399',
  [HTTP_PATH_PATTERN]: "must start with '/' and hold no spaces",
  [OBJECT_REF_PATTERN]: 'must be NAMESPACE/NAME of a Kubernetes object',
  [CAA_TAG_PATTERN]: 'must be 1 to 15 ASCII letters and digits (RFC 8659 §4.1)',
  [REGION_NAME_PATTERN]: "must be a region name: a DNS label of lowercase letters, digits and '-', at most 63 characters",
  [TWO_LETTER_CODE_PATTERN]: 'must be a two-letter code (a country such as DE, or a continent such as EU)',
};

/** Reports every way `data` departs from the zone policy schema. */
export function checkStructure(ctx: CheckContext, data: unknown, schema: CompiledZoneSchema): void {
  const validate = schema;
  if (validate(data)) return;
  for (const error of validate.errors ?? []) {
    const { pointer, part, message } = describeSchemaError(error, ctx.root);
    report(ctx, pointer, part, message);
  }
}

/** The message for one ajv error, and the pointer and part it is shown at. */
export function describeSchemaError(error: ErrorObject, root: unknown): { pointer: string; part: PointerPart; message: string } {
  const pointer = error.instancePath;
  const label = labelFor(root, pointer);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  const at = (message: string, part: PointerPart = 'value') => ({ pointer, part, message });
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const properties = (error.parentSchema as { properties?: object } | undefined)?.properties ?? {};
      const allowed = Object.keys(properties).sort();
      return { pointer: childPointer(pointer, key), part: 'key', message: `unknown key '${key}' (allowed: ${allowed.join(', ')})` };
    }
    case 'required': {
      const where = pointer === '' ? '' : ` in ${label}`;
      return at(`missing required key '${String(params.missingProperty)}'${where}`);
    }
    case 'type': {
      const expected = orList(
        String(params.type)
          .split(',')
          .map((type) => TYPE_PHRASES[type] ?? type),
      );
      if (pointer === '') return at(`a zone policy file must hold a map of settings (got ${describeValue(value)})`);
      // "interval: 5" is a likely slip; say what a duration looks like rather than just "a string".
      const pattern = (error.parentSchema as { pattern?: string } | undefined)?.pattern;
      if (pattern === DURATION_PATTERN) return at(`${label} ${PATTERN_PHRASES[pattern]} (got ${describeValue(value)})`);
      // Unquoted, "2001:db8::" reads as the map { "2001:db8:": null }.
      if (isMangledIpv6(value)) return at(`${label} must be ${expected} (got a map; quote IPv6 addresses that end in '::')`);
      return at(`${label} must be ${expected} (got ${describeValue(value)})`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return at(`${label} must be ${orList(allowed)} (got ${describeValue(value)})`);
    }
    case 'minimum':
      return at(`${label} must be at least ${String(params.limit)}`);
    case 'maximum':
      return at(`${label} must be at most ${String(params.limit)}`);
    case 'exclusiveMinimum':
      return at(`${label} must be greater than ${String(params.limit)}`);
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return at(`${label} must not be empty`);
    case 'maxLength':
      return at(`${label} must be at most ${String(params.limit)} characters long`);
    case 'pattern': {
      const phrase = PATTERN_PHRASES[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      return at(`${label} ${phrase} (got ${describeValue(value)})`);
    }
    default:
      return at(`${label} ${error.message ?? 'is not valid'}`);
  }
}

function isMangledIpv6(value: unknown): boolean {
  if (!isPlainMap(value)) return false;
  const entries = Object.entries(value);
  return entries.length === 1 && entries[0][1] === null && /^[0-9a-f:]*:$/i.test(entries[0][0]);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
