/** What a withheld value is replaced with in stored audit details. */
export const WITHHELD = "[withheld]";

// Keys whose values must never reach the audit log, whatever they hold (DESIGN non-negotiable 1).
// Exact names for raw data; any key mentioning a password, token or secret (newPassword,
// tokenHash, clientSecret) and any sealed column or fingerprint.
const SECRET_KEY =
  /^(id_?number|idnumber|photo|raw|raw_?photo|bytes)$|password|token|secret|sealed|fingerprint/i;

/** A JSON value as stored in an audit record's details. */
export type AuditJson =
  string | number | boolean | null | AuditJson[] | { [key: string]: AuditJson };

/**
 * The details of an audit record as they may be stored: every key naming raw data or a secret
 * (ID number, photo, raw bytes, password or its hash, token), at any depth, and every binary value
 * is replaced with "[withheld]"; what remains is plain JSON (dates as ISO strings, undefined and
 * functions dropped, bigints as strings, a repeated reference to an ancestor as "[circular]").
 */
export function sanitiseAuditDetails(details: Record<string, unknown>): Record<string, AuditJson> {
  return sanitiseObject(details, new Set([details]));
}

function sanitiseObject(obj: object, ancestors: Set<object>): Record<string, AuditJson> {
  const out: [string, AuditJson][] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (SECRET_KEY.test(key)) {
      out.push([key, WITHHELD]);
      continue;
    }
    const clean = sanitiseValue(value, ancestors);
    if (clean !== undefined) out.push([key, clean]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
  return Object.fromEntries(out);
}

function sanitiseValue(value: unknown, ancestors: Set<object>): AuditJson | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    default:
      break;
  }
  // Buffer is a Uint8Array; other views (DataView, Int16Array…) and ArrayBuffers are bytes too.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return WITHHELD;
  if (ancestors.has(value)) return "[circular]";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  ancestors.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      const items: unknown[] = [...(value as Iterable<unknown>)];
      return items.map((item) => sanitiseValue(item, ancestors) ?? null);
    }
    if (value instanceof Map) {
      const entries = [...(value as Map<unknown, unknown>)].map(([k, v]): [string, unknown] => [
        String(k),
        v,
      ]);
      return sanitiseObject(Object.fromEntries(entries), ancestors);
    }
    return sanitiseObject(value, ancestors);
  } finally {
    ancestors.delete(value);
  }
}
