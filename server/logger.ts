import pino, { type Logger } from "pino";
import type { Config } from "./config";

/** The structured logger: JSON lines on stdout, one field per id. */
export function createLogger(level: Config["logLevel"]): Logger {
  return pino({ level, base: { service: "signage" } });
}
