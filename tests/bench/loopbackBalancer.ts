/**
 * A small loopback TCP load balancer for the two-process fan-out benchmark (forked by
 * fanoutTwo.ts): it listens on 127.0.0.1 (any port), hands each new connection to the next live
 * backend in turn and pipes the bytes both ways. A backend that refuses a connection is skipped
 * (marked dead for a few seconds, then tried again); when a backend's side of a connection
 * closes, the client's side is closed too, so a kiosk notices its server is gone and reconnects
 * through here to one that is not.
 *
 * A process may hold only so many descriptors (20,000 on the bench machine) and each kiosk
 * takes two here, so the balancer is a node:cluster of `workers` processes sharing the port
 * (the kernel hands each accepted connection to one of them); this process is the primary and
 * answers the parent for all of them.
 */
import cluster, { type Worker } from "node:cluster";
import { connect, createServer, type Socket } from "node:net";

/** Messages from the parent (and from the primary to each worker). */
export type ToBalancer =
  { type: "start"; backends: number[]; workers?: number } | { type: "counts" };

/** Messages to the parent. */
export type FromBalancer =
  | { type: "listening"; port: number }
  | { type: "counts"; open: number[]; refused: number[] }
  | { type: "ready" };

/** How long a backend that refused a connection is skipped. */
const DEAD_FOR_MS = 5_000;

const send = (m: FromBalancer): void => {
  process.send?.(m);
};

let backends: number[] = [];
const deadUntil: number[] = [];
const open: number[] = [];
const refused: number[] = [];
let turn = 0;

/** Connects `client` to the next live backend after `tried` refusals; closes it when none is left. */
function route(client: Socket, tried = 0): void {
  if (tried >= backends.length) {
    client.destroy();
    return;
  }
  const now = Date.now();
  let i = turn % backends.length;
  for (let k = 0; k < backends.length && (deadUntil[i] ?? 0) > now; k++)
    i = (i + 1) % backends.length;
  turn = i + 1;
  const upstream = connect(backends[i] ?? 0, "127.0.0.1");
  upstream.setNoDelay(true);
  let up = false;
  upstream.once("connect", () => {
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    up = true;
    open[i] = (open[i] ?? 0) + 1;
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  upstream.once("error", () => {
    if (up || client.destroyed) return;
    refused[i] = (refused[i] ?? 0) + 1;
    deadUntil[i] = Date.now() + DEAD_FOR_MS;
    route(client, tried + 1);
  });
  upstream.once("close", () => {
    if (!up) return;
    open[i] = (open[i] ?? 1) - 1;
    client.destroy();
  });
  client.once("close", () => {
    if (up) upstream.destroy();
  });
}

/** The primary: starts the workers and sums their answers for the parent. */
function primary(): void {
  let workers: Worker[] = [];
  /** Sends `m` to every worker and resolves with their answers of `type`. */
  const all = <T extends FromBalancer["type"]>(
    m: ToBalancer,
    type: T,
  ): Promise<Extract<FromBalancer, { type: T }>[]> =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise<Extract<FromBalancer, { type: T }>>((resolve) => {
            const on = (r: FromBalancer): void => {
              if (r.type !== type) return;
              w.off("message", on);
              resolve(r as Extract<FromBalancer, { type: T }>);
            };
            w.on("message", on);
            w.send(m);
          }),
      ),
    );
  process.on("message", (m: ToBalancer) => {
    switch (m.type) {
      case "start":
        backends = m.backends;
        workers = Array.from({ length: Math.max(1, m.workers ?? 1) }, () => cluster.fork());
        // A worker told to start before it listens for messages would never hear it.
        void Promise.all(workers.map((w) => new Promise((resolve) => w.once("message", resolve))))
          .then(() => all(m, "listening"))
          .then((answers) => send({ type: "listening", port: answers[0]?.port ?? 0 }));
        break;
      case "counts":
        void all(m, "counts").then((answers) =>
          send({
            type: "counts",
            open: backends.map((_, i) => answers.reduce((n, a) => n + (a.open[i] ?? 0), 0)),
            refused: backends.map((_, i) => answers.reduce((n, a) => n + (a.refused[i] ?? 0), 0)),
          }),
        );
    }
  });
  process.on("disconnect", () => {
    for (const w of workers) w.kill("SIGKILL");
    process.exit(0);
  });
}

// The kernel hands each accepted connection to a worker: the default (round robin by the
// primary) passes every connection over IPC, which took a core of its own when a killed process's
// kiosks all came back at once (bench:fanout's move, `CPU per second`).
cluster.schedulingPolicy = cluster.SCHED_NONE;
if (cluster.isPrimary) primary();
else worker();

/** A worker: listens on the shared port and routes the connections it is handed. */
function worker(): void {
  const server = createServer({ pauseOnConnect: true, noDelay: true }, (client) => {
    client.on("error", () => undefined);
    route(client);
  });
  server.maxConnections = 100_000;

  process.on("message", (m: ToBalancer) => {
    switch (m.type) {
      case "start":
        backends = m.backends;
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          send({
            type: "listening",
            port: typeof address === "object" && address ? address.port : 0,
          });
        });
        break;
      case "counts":
        send({
          type: "counts",
          open: backends.map((_, i) => open[i] ?? 0),
          refused: backends.map((_, i) => refused[i] ?? 0),
        });
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
}
