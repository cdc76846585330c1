import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Ack } from "../../shared/protocol/events";
import { rooms } from "../../shared/protocol/rooms";
import { KioskHelloSchema, type SyncDelta } from "../../shared/schemas/sync";
import { computeSync } from "../services/kioskSync";
import type { Database } from "../store/schema";
import type { SignageIo } from "./io";

/**
 * Kiosk connections: join the screens' rooms and answer hellos with the delta to apply.
 * Pairing and kiosk tokens arrive with the screens work; this is where they will be checked.
 */
export function registerKioskHandlers(
  io: SignageIo,
  deps: { db: Kysely<Database>; log: Logger },
): void {
  io.on("connection", (socket) => {
    const log = deps.log.child({ socketId: socket.id });
    void socket.join(rooms.allScreens());
    log.debug("kiosk connected");

    socket.on("kiosk:hello", (payload, ack) => {
      if (typeof ack !== "function") {
        log.warn("kiosk:hello without an ack callback, ignored");
        return;
      }
      const reply = (r: Ack<SyncDelta>): void => ack(r);
      const parsed = KioskHelloSchema.safeParse(payload);
      if (!parsed.success) {
        reply({
          ok: false,
          error: {
            code: "validation_failed",
            message: "kiosk:hello needs { appliedVersion: integer ≥ 0 }.",
          },
        });
        return;
      }
      if (parsed.data.appVersion !== undefined) socket.data.appVersion = parsed.data.appVersion;
      computeSync(deps.db, parsed.data.appliedVersion).then(
        (delta) => reply({ ok: true, data: delta }),
        (err: unknown) => {
          log.error({ err }, "kiosk sync failed");
          reply({
            ok: false,
            error: { code: "internal", message: "The server could not compute the sync." },
          });
        },
      );
    });

    socket.on("disconnect", (reason) => log.debug({ reason }, "kiosk disconnected"));
  });
}
