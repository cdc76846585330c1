import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt cost: N = 2^15, r = 8, p = 1, about 32 MiB and 50–100 ms per hash (OWASP's password storage cheat sheet). */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  const { N = PARAMS.N, r = PARAMS.r, p = PARAMS.p } = params;
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 · N · r bytes, or Node refuses the parameters.
    scrypt(
      password.normalize("NFKC"),
      salt,
      KEY_BYTES,
      { N, r, p, maxmem: 256 * N * r },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** Hashes a password with scrypt and a random salt, as `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS);
  return [
    "scrypt",
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString("base64"),
    key.toString("base64"),
  ].join("$");
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((v) => Number.isSafeInteger(v) && v > 0)) return false;
  const expected = Buffer.from(hash, "base64");
  const key = await derive(password, Buffer.from(salt, "base64"), params);
  return expected.length === key.length && timingSafeEqual(expected, key);
}

let dummy: Promise<string> | undefined;

/** A hash of a random password, checked against when an email is unknown so timing tells nothing. */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString("hex"));
  return dummy;
}

/**
 * The one-time password's alphabet: digits and capitals without the look-alikes 0/O and 1/I
 * (and no lower case, so no l), 32 symbols, so one random byte modulo 32 picks one evenly.
 */
export const oneTimePasswordAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/**
 * A one-time password for create-admin and admin resets, made to be read aloud or copied by
 * hand: 24 symbols of `oneTimePasswordAlphabet` (120 bits) in six groups of four.
 */
export function generatePassword(): string {
  const symbols = Array.from(
    randomBytes(24),
    (b) => oneTimePasswordAlphabet[b % oneTimePasswordAlphabet.length] ?? "",
  ).join("");
  return symbols.match(/.{4}/g)?.join("-") ?? symbols;
}
