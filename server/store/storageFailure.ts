/**
 * What a failed write says about the disk under the data: "full" (SQLite's SQLITE_FULL,
 * PostgreSQL's disk_full, ENOSPC), "unwritable" (read-only or failing: SQLITE_READONLY,
 * SQLITE_IOERR, EROFS, EIO), or undefined when the error is about something else. Either way the
 * transaction rolled back, so the request changed nothing and the client may try again later.
 */
export function storageFailureOf(err: unknown): "full" | "unwritable" | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string") return undefined;
  if (code === "SQLITE_FULL" || code === "53100" || code === "ENOSPC" || code === "EDQUOT")
    return "full";
  if (/^SQLITE_(READONLY|IOERR|CANTOPEN)/.test(code) || code === "EROFS" || code === "EIO")
    return "unwritable";
  return undefined;
}
