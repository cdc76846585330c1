import { rooms } from "../../shared/protocol/rooms";
import type { SessionsEnded } from "../services/auth/UserAccounts";
import { consoleNamespace, type SignageIo } from "./io";

/**
 * Disconnects the console sockets of sessions that ended or lost the rights they were opened
 * with (sign-out, disable, role change, password change or reset; issue 14 item 9). Through the
 * adapter this reaches sockets on every server process. A console opens a new socket on its next
 * use, authenticated afresh, so a user whose session goes on loses nothing but a stale socket.
 */
export function endConsoleSockets(io: SignageIo, ended: SessionsEnded): void {
  const consoles = consoleNamespace(io);
  if ("session" in ended) {
    consoles.in(rooms.session(ended.session)).disconnectSockets(true);
    return;
  }
  const all = consoles.in(rooms.user(ended.userId));
  (ended.exceptSession === undefined
    ? all
    : all.except(rooms.session(ended.exceptSession))
  ).disconnectSockets(true);
}
