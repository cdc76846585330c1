/**
 * The baseline of the fan-out benchmark: a bare socket.io server (websocket only, no
 * compression, as the product's) that broadcasts one payload to every client on request.
 * Forked by fanout.ts; reports its port, then the instant it broadcast.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { namespaces } from "../../shared/protocol/namespaces";

const http = createServer();
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: false });
// The kiosks' namespace, so the baseline routes packets as the product does.
const kiosks = io.of(namespaces.kiosk);
http.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "listening", port: (http.address() as AddressInfo).port });
});
process.on("message", (m: { type: "broadcast"; payload: unknown } | { type: "close" }) => {
  if (m.type === "broadcast") {
    const at = Date.now();
    kiosks.emit("raw", m.payload);
    process.send?.({ type: "broadcast", at });
  } else {
    void io.close();
    process.exit(0);
  }
});
