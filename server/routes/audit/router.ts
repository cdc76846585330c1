import { Router } from "express";
import { z } from "zod";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { Kysely } from "kysely";
import { lookUpNames } from "../../presenters/nameBook";
import { auditNameRefs, presentAuditRecord } from "../../presenters/presentAuditRecord";
import type { Database } from "../../store/schema";
import { AuditInstantSchema, auditActions, type AuditLog } from "../../services/AuditLog";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { AuditPage, AuditVerification } from "../../../shared/schemas/auditRecord";

/** Query string of GET /api/audit: filter by entry, user, screen, action and time. */
export const AuditQuerySchema = z.strictObject({
  entry: z.uuid().optional(),
  user: z.uuid().optional(),
  screen: z.uuid().optional(),
  action: z.enum(auditActions).optional(),
  from: AuditInstantSchema.optional(),
  to: AuditInstantSchema.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Query string of GET /api/audit/export: the time range. */
export const AuditExportQuerySchema = z.strictObject({
  from: AuditInstantSchema.optional(),
  to: AuditInstantSchema.optional(),
});

/** /api/audit (admins of the whole city): the log filtered, its chain check, and an export. */
export function auditRouter(deps: {
  audit: AuditLog;
  access: AccessPolicy;
  /** Where the records' actors and targets are named. */
  db: Kysely<Database>;
}): Router {
  const router = Router();
  const gate = (p: ReturnType<typeof principalOf>): void =>
    deps.access.requireGlobal(p, "audit.read", "The audit log");

  router.get("/", async (req, res) => {
    gate(principalOf(req));
    const q = validate(AuditQuerySchema, req.query, "query string");
    const target = q.entry
      ? { targetType: "entry", targetId: q.entry }
      : q.screen
        ? { targetType: "screen", targetId: q.screen }
        : {};
    const rows = await deps.audit.list({
      limit: q.limit,
      ...target,
      ...(q.user ? { actorId: q.user } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(q.before ? { beforeSeq: q.before } : {}),
    });
    const last = rows.length === q.limit ? rows[rows.length - 1] : undefined;
    // People read names, not ids: users, screens, masked entry names, titles.
    const names = await lookUpNames(deps.db, rows.flatMap(auditNameRefs));
    res.json({
      records: rows.map((r) => presentAuditRecord(r, names)),
      nextBefore: last ? Number(last.seq) : null,
    } satisfies AuditPage);
  });

  router.get("/verify", async (req, res) => {
    gate(principalOf(req));
    res.json({ verification: (await deps.audit.verify()) satisfies AuditVerification });
  });

  router.get("/export", async (req, res) => {
    gate(principalOf(req));
    const q = validate(AuditExportQuerySchema, req.query, "query string");
    res.type("application/x-ndjson");
    res.setHeader("Content-Disposition", 'attachment; filename="audit.jsonl"');
    for await (const line of deps.audit.exportLines({
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    })) {
      if (!res.write(`${line}\n`)) await new Promise((r) => res.once("drain", r));
    }
    res.end();
  });

  return router;
}
