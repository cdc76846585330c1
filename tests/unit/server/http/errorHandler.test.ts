import type { AddressInfo } from "node:net";
import express from "express";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../../../shared/schemas/apiError";
import { errorHandler } from "../../../../server/http/errorHandler";

/**
 * An error as node-postgres builds it from a server's ErrorResponse (pg-protocol's parser: a
 * DatabaseError named "error" carrying the message's fields), with what PostgreSQL 15 sends.
 */
function pgError(fields: { severity: string; code: string; message: string }): Error {
  const err = new pg.DatabaseError(fields.message, fields.message.length + 40, "error");
  return Object.assign(err, {
    severity: fields.severity,
    code: fields.code,
    file: "postinit.c",
    routine: "InitPostgres",
  });
}

/** A socket's own failure, as net.connect reports it. */
function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -111, syscall: "connect" });
}

/** What a request answers when the route throws `err`. */
const thrown: Record<string, () => Error> = {
  notAccepting: () =>
    pgError({
      severity: "FATAL",
      code: "55000",
      message: 'database "signage" is not currently accepting connections',
    }),
  adminShutdown: () =>
    pgError({
      severity: "FATAL",
      code: "57P01",
      message: "terminating connection due to administrator command",
    }),
  crashShutdown: () =>
    pgError({
      severity: "FATAL",
      code: "57P02",
      message: "terminating connection because of crash of another server process",
    }),
  startingUp: () =>
    pgError({ severity: "FATAL", code: "57P03", message: "the database system is starting up" }),
  shuttingDown: () =>
    pgError({ severity: "FATAL", code: "57P03", message: "the database system is shutting down" }),
  terminated: () => new Error("Connection terminated unexpectedly"),
  notQueryable: () => new Error("Client has encountered a connection error and is not queryable"),
  refused: () => systemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"),
  reset: () => systemError("ECONNRESET", "read ECONNRESET"),
  // The same state said only in the message (a severity-less error built elsewhere).
  notAcceptingMessage: () =>
    Object.assign(new Error('database "signage" is not accepting connections'), { code: "55000" }),
  // A wrong query is a bug, not a restart: it stays a 500.
  undefinedTable: () =>
    pgError({ severity: "ERROR", code: "42P01", message: 'relation "nope" does not exist' }),
  // 55000 raised by a bug or a setting, not by a database refusing connections: a 500 too.
  currvalUndefined: () =>
    pgError({
      severity: "ERROR",
      code: "55000",
      message: 'currval of sequence "plays_id_seq" is not yet defined in this session',
    }),
  noReplicaIdentity: () =>
    pgError({
      severity: "ERROR",
      code: "55000",
      message:
        'cannot delete from table "screen_status_reports" because it does not have a replica identity and publishes deletes',
    }),
};

describe("errorHandler: PostgreSQL restarting or unreachable", () => {
  let server: ReturnType<express.Express["listen"]>;
  let baseUrl: string;

  beforeAll(async () => {
    const app = express();
    app.get("/:case", (req) => {
      const make = thrown[req.params["case"] ?? ""];
      throw make ? make() : new Error("no such case");
    });
    app.use(errorHandler(pino({ level: "silent" })));
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    "notAccepting",
    "notAcceptingMessage",
    "adminShutdown",
    "crashShutdown",
    "startingUp",
    "shuttingDown",
    "terminated",
    "notQueryable",
    "refused",
    "reset",
  ])("answers %s with 503 unavailable and Retry-After, never a 500", async (name) => {
    const res = await fetch(`${baseUrl}/${name}`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = ApiErrorSchema.parse(await res.json());
    expect(body.error).toMatchObject({
      code: "unavailable",
      reason: "request.databaseUnreachable",
    });
  });

  it.each(["undefinedTable", "currvalUndefined", "noReplicaIdentity"])(
    "still answers %s (a bug, not a restart) with a 500 and no Retry-After",
    async (name) => {
      const res = await fetch(`${baseUrl}/${name}`);
      expect(res.status).toBe(500);
      expect(res.headers.get("retry-after")).toBeNull();
      expect(ApiErrorSchema.parse(await res.json()).error.code).toBe("internal");
    },
  );
});
