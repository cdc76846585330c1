import { readdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join, relative } from "node:path";
import { io, type Socket } from "socket.io-client";
import { countTableRows } from "../../server/store/tableCounts";
import type {
  HandshakeCase,
  HostileBody,
  HttpCase,
  RawCase,
  SocketCase,
} from "../fixtures/hostile/cases";
import { api, namespaceUrl, type TestServer } from "./testServer";

/** The values the corpus's placeholders ({district}, {notice}, …) stand for. */
export type HostileWorld = Record<string, string>;

/** Replaces every {name} the world knows in `text`; unknown names stay as they are. */
export function fill(text: string, world: HostileWorld): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(world, name) ? (world[name] ?? whole) : whole,
  );
}

/** What the server holds: rows of every table (audit log included) and the data folder's files. */
export interface StoredState {
  rows: Record<string, number>;
  files: string[];
}

/** Files under `dir`, relative, without SQLite's journal files (they change on every read). */
function filesUnder(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, root);
    return /-(wal|shm|journal)$/.test(name) ? [] : [relative(root, path)];
  });
}

/**
 * Tables a case's socket changes by connecting at all, not by what it sends: a paired socket's
 * connection is recorded for the screen's history (and the disconnect closes it).
 */
const CHANGED_BY_CONNECTING = new Set(["screen_connections"]);

/** Reads what the server holds, through its own database handle and its data folder. */
export async function storedState(t: TestServer): Promise<StoredState> {
  const rows = await countTableRows(t.server.store.db);
  return {
    rows: Object.fromEntries(
      Object.entries(rows).filter(([table]) => !CHANGED_BY_CONNECTING.has(table)),
    ),
    files: filesUnder(t.dataDir).sort(),
  };
}

let addressSeq = 0;
/** A client address no case used before (the loopback proxy is trusted to forward it). */
export function freshAddress(): string {
  addressSeq += 1;
  return `10.66.${Math.floor(addressSeq / 250)}.${(addressSeq % 250) + 1}`;
}

/** The body of an HTTP case as fetch sends it, with its headers. */
async function bodyOf(
  body: HostileBody,
  world: HostileWorld,
  headers: Headers,
): Promise<BodyInit | undefined> {
  if ("json" in body) {
    headers.set("Content-Type", "application/json");
    return fill(JSON.stringify(body.json), world);
  }
  if ("form" in body) {
    const form = new FormData();
    for (const part of body.form) {
      if ("value" in part) form.append(part.name, fill(part.value, world));
      else
        form.append(
          part.name,
          new Blob([new Uint8Array(await part.file())], { type: part.type ?? "" }),
          part.fileName,
        );
    }
    return form;
  }
  headers.set("Content-Type", body.type);
  if (body.encoding) headers.set("Content-Encoding", body.encoding);
  if ("text" in body) return typeof body.text === "string" ? body.text : body.text();
  return new Uint8Array(await body.bytes());
}

/** The status and the parsed body of a case's answer. */
export interface Answer {
  status: number;
  body: unknown;
  contentType: string;
}

/** Sends an HTTP case to `baseUrl` as its caller would. */
export async function sendHttpCase(
  c: HttpCase,
  baseUrl: string,
  world: HostileWorld,
): Promise<Answer> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(c.headers ?? {})) headers.set(k, fill(v, world));
  if (c.freshAddress) headers.set("X-Forwarded-For", freshAddress());
  const init: RequestInit & { anonymous?: boolean } = {
    method: c.method,
    headers,
    ...(c.as === "anonymous" ? { anonymous: true } : {}),
  };
  if (c.body) init.body = (await bodyOf(c.body, world, headers)) ?? null;
  const res = await api(`${baseUrl}${fill(c.path, world)}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the test says so with the text.
  }
  return { status: res.status, body, contentType: res.headers.get("content-type") ?? "" };
}

/** A socket.io client with no typed events: hostile clients send what they like. */
export type AnySocket = Socket;

/** Opens a socket for a case (not yet connected). */
function openSocket(
  baseUrl: string,
  namespace: string,
  opts: { auth?: Record<string, unknown>; headers?: Record<string, string> },
): AnySocket {
  return io(namespaceUrl(baseUrl, namespace), {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
    ...(opts.auth ? { auth: opts.auth } : {}),
    extraHeaders: { "X-Forwarded-For": freshAddress(), ...opts.headers },
  });
}

/** How a handshake ended: connected, or refused with the middleware's code (or message). */
export async function tryHandshake(
  c: HandshakeCase,
  baseUrl: string,
  world: HostileWorld,
): Promise<{ connected: true } | { connected: false; code: string }> {
  const auth = c.auth
    ? (JSON.parse(fill(JSON.stringify(c.auth), world)) as Record<string, unknown>)
    : undefined;
  const headers = Object.fromEntries(
    Object.entries(c.headers ?? {}).map(([k, v]) => [k, fill(v, world)]),
  );
  const socket = openSocket(baseUrl, c.namespace, { ...(auth ? { auth } : {}), headers });
  try {
    return await new Promise((resolve) => {
      socket.once("connect", () => resolve({ connected: true }));
      socket.once("connect_error", (err: Error & { data?: { code?: string } }) =>
        resolve({ connected: false, code: err.data?.code ?? err.message }),
      );
    });
  } finally {
    socket.disconnect();
  }
}

/** How an event ended: an ack, or the server cut the socket off, or silence. */
export type EventOutcome =
  { kind: "ack"; answer: unknown } | { kind: "disconnected"; reason: string } | { kind: "silence" };

/** Connects as the case's caller and sends its event, waiting up to 10 s for what follows. */
export async function sendSocketCase(
  c: SocketCase,
  baseUrl: string,
  world: HostileWorld,
): Promise<EventOutcome> {
  const auth = c.as === "paired" ? { token: world["kioskToken"] ?? "" } : undefined;
  const headers: Record<string, string> =
    c.as === "console" ? { Origin: baseUrl, Cookie: world["adminCookie"] ?? "" } : {};
  const socket = openSocket(baseUrl, c.namespace, { ...(auth ? { auth } : {}), headers });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    return await new Promise<EventOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: "silence" }), 10_000);
      socket.once("disconnect", (reason) => {
        clearTimeout(timer);
        resolve({ kind: "disconnected", reason });
      });
      socket.emit(c.event, c.payload(), (answer: unknown) => {
        clearTimeout(timer);
        resolve({ kind: "ack", answer });
      });
    });
  } finally {
    socket.disconnect();
  }
}

/** How a raw request ended: a status line, or the connection closed without one. */
export type RawOutcome = { kind: "status"; status: number; head: string } | { kind: "closed" };

/**
 * Writes a raw case's bytes to the server's port; with `trickle`, keeps sending a byte at that
 * pace until the server closes the connection (or 120 s pass: then it was never cut off).
 */
export function sendRawCase(c: RawCase, port: number, world: HostileWorld): Promise<RawOutcome> {
  const text = fill(typeof c.request === "string" ? c.request : c.request(), {
    ...world,
    host: `127.0.0.1:${port}`,
  });
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let trickle: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${c.id}: the server neither answered nor closed the connection`));
    }, 120_000);
    const done = (): void => {
      clearTimeout(giveUp);
      if (trickle) clearInterval(trickle);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      resolve(
        m?.[1]
          ? { kind: "status", status: Number(m[1]), head: received.slice(0, 2000) }
          : { kind: "closed" },
      );
    };
    socket.on("data", (d: Buffer) => {
      received += d.toString("latin1");
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", done);
    socket.write(text, "latin1");
    if (c.trickle)
      trickle = setInterval(() => {
        if (!socket.destroyed) socket.write(" ");
      }, c.trickle.everyMs);
    else socket.end();
  });
}
