// Checks of single values that several parts of a zone file hold: DNS names and IP addresses.

import { isIPv4, isIPv6 } from 'node:net';
import { nameProblem, normaliseName } from '../base/names.js';
import { firstSeen, report, type CheckContext } from './check-context.js';
import { childPointer, type PointerPart } from './json-pointer.js';

/** Normalises and validates a fully qualified name at `pointer`; reports and returns undefined when it is bad. */
export function checkName(ctx: CheckContext, pointer: string, part: PointerPart, raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined; // reported by the schema
  const name = normaliseName(raw);
  const problem = nameProblem(name);
  if (problem === undefined) return name;
  report(ctx, pointer, part, `'${raw}' is not a valid DNS name (${problem})`);
  return undefined;
}

export type AddressFamily = 'any' | 'ipv4' | 'ipv6';

/** The canonical text of an IP address (IPv6 compressed and lowercase), or undefined when it is not one. */
export function canonicalAddress(text: string): { family: 4 | 6; address: string } | undefined {
  if (isIPv4(text)) return { family: 4, address: text };
  // Zone indexes ("fe80::1%eth0") mean nothing to a DNS client.
  if (!text.includes('%') && isIPv6(text)) return { family: 6, address: new URL(`http://[${text}]/`).hostname.slice(1, -1) };
  return undefined;
}

export function checkAddress(ctx: CheckContext, pointer: string, value: unknown, family: AddressFamily): string | undefined {
  if (typeof value !== 'string') return undefined; // reported by the schema
  const parsed = canonicalAddress(value);
  if (family === 'any' && parsed === undefined) {
    report(ctx, pointer, 'value', `'${value}' is not an IPv4 or IPv6 address`);
  } else if (family === 'ipv4' && parsed?.family !== 4) {
    report(ctx, pointer, 'value', parsed === undefined ? `'${value}' is not an IPv4 address` : `'${value}' is an IPv6 address; list it under aaaa`);
  } else if (family === 'ipv6' && parsed?.family !== 6) {
    report(ctx, pointer, 'value', parsed === undefined ? `'${value}' is not an IPv6 address` : `'${value}' is an IPv4 address; list it under a`);
  } else {
    return parsed?.address;
  }
  return undefined;
}

/** The canonical addresses of a list, or undefined when the value is not a list or holds a bad address. */
export function checkAddressList(ctx: CheckContext, pointer: string, value: unknown, family: AddressFamily): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const addresses: string[] = [];
  const earlierLine = firstSeen(ctx);
  let allValid = true;
  value.forEach((item, i) => {
    const itemPointer = childPointer(pointer, String(i));
    const address = checkAddress(ctx, itemPointer, item, family);
    if (address === undefined) {
      allValid = false;
      return;
    }
    const line = earlierLine(address, itemPointer);
    if (line !== undefined) {
      report(ctx, itemPointer, 'value', `duplicate address '${item as string}' (also at line ${line})`);
      allValid = false;
      return;
    }
    addresses.push(address);
  });
  return allValid ? addresses : undefined;
}
