import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { wordError, type ErrorReason } from "../../shared/messages/errorMessages";
import type { ErrorCode } from "../../shared/schemas/apiError";

/** What a request Node's HTTP parser refused is told: status, code and reason. */
function refusalOf(errorCode: string | undefined): {
  status: number;
  code: ErrorCode;
  reason: ErrorReason;
} {
  switch (errorCode) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, code: "payload_too_large", reason: "request.headersTooLarge" };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, code: "bad_request", reason: "request.tooSlow" };
    default:
      return { status: 400, code: "bad_request", reason: "request.malformedHttp" };
  }
}

/**
 * The HTTP server's "clientError" listener: a request Node's parser refuses (two Content-Length
 * headers, oversized headers, bytes that are not HTTP) or one cut off at the request timeout
 * (a body sent too slowly) gets the same JSON error body as every other refusal, where Node
 * alone would send a bare status line. It answers only when no response has started on the
 * connection, as Node's own handler does, then closes it.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })
    ._httpMessage;
  if (err.code !== "ECONNRESET" && socket.writable && !inFlight?.headersSent) {
    const { status, code, reason } = refusalOf(err.code);
    const body = JSON.stringify({
      error: { code, message: wordError(reason, {}, "en"), reason, params: {} },
    });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Bad Request"}\r\n` +
        "Connection: close\r\n" +
        "Content-Type: application/json; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
