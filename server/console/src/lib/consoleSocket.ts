import { io, type Socket } from "socket.io-client";
import type { ConsoleClientEvents, ConsoleServerEvents } from "../../../../shared/protocol/events";
import { namespaces } from "../../../../shared/protocol/namespaces";
import { ConsoleChangedSchema, type ConsoleTopic } from "../../../../shared/schemas/consoleChanged";

type ConsoleSocket = Socket<ConsoleServerEvents, ConsoleClientEvents>;

let shared: ConsoleSocket | null = null;

/**
 * The console's one socket to its server (session cookie, this origin; it only receives):
 * live notices for the pages and import progress. Opened on first use; reopened when a page
 * needs it after the session ended and began again.
 */
export function consoleSocket(): ConsoleSocket {
  shared ??= io(namespaces.console, { transports: ["websocket"] });
  // A refused handshake (signed out) is not retried by socket.io; a new page use retries it.
  if (!shared.connected && !shared.active) shared.connect();
  return shared;
}

/** Calls `onChange` whenever the server says something of these topics changed. */
export function subscribeConsoleChanges(
  topics: readonly ConsoleTopic[],
  onChange: () => void,
): () => void {
  const socket = consoleSocket();
  const listener = (raw: unknown): void => {
    const e = ConsoleChangedSchema.safeParse(raw);
    if (e.success && topics.includes(e.data.topic)) onChange();
  };
  socket.on("console:changed", listener);
  // Whatever changed while the socket was away is loaded once it is back.
  socket.io.on("reconnect", onChange);
  return () => {
    socket.off("console:changed", listener);
    socket.io.off("reconnect", onChange);
  };
}
