import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The file in the data folder holding the first-run set-up token (mode 0600). */
export const SETUP_TOKEN_FILE = "setup-token";

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/**
 * The one-time token that proves a first-run set-up comes from whoever runs the server (they
 * read it in the server's log or with `signage setup-token`), the way Jupyter and Grafana do it:
 * the network address proves nothing behind a reverse proxy. It lives in the data folder, so the
 * command and a running server agree, and it is deleted once the first admin exists.
 */
export class SetupToken {
  /** Where the token is kept. */
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, SETUP_TOKEN_FILE);
  }

  /** The stored token, or undefined when there is none. */
  read(): string | undefined {
    try {
      const token = readFileSync(this.path, "utf8").trim();
      return token === "" ? undefined : token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** The stored token, made (and stored) first when there is none. */
  ensure(): string {
    return this.read() ?? this.regenerate();
  }

  /** Replaces the token with a new one (an old one that leaked stops working). */
  regenerate(): string {
    const token = randomBytes(24).toString("base64url");
    rmSync(this.path, { force: true });
    // "wx": created here with mode 0600, never written through a link someone put in its place.
    writeFileSync(this.path, `${token}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(this.path, 0o600);
    return token;
  }

  /** Whether `candidate` is the stored token (compared in constant time). */
  matches(candidate: string): boolean {
    const token = this.read();
    return token !== undefined && timingSafeEqual(digest(candidate), digest(token));
  }

  /** Deletes the token: set-up is done. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
