import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { finished } from "node:stream/promises";

/**
 * The POSIX ustar format, just enough of it for a backup: regular files with short names, in
 * one archive that `tar -tvf` lists and `tar -xf` unpacks (so an admin can look inside without
 * signage). Written here rather than with a library because the product declares none and the
 * format is a 512-byte header per file (POSIX.1-2001, "pax" section "ustar Interchange Format").
 */

const BLOCK = 512;
/** ustar's size field: 11 octal digits, so up to 8 GiB - 1 per member. */
const MAX_MEMBER_BYTES = 8 ** 11 - 1;

/** One member of an archive: its name, size and where its bytes start in the file. */
export interface TarMember {
  name: string;
  size: number;
  offset: number;
}

/** An archive that could not be read as ustar; the message says what is wrong. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

/** Writes a ustar archive member by member; `finish()` writes the end marker and closes it. */
export class TarWriter {
  readonly #out: WriteStream;

  private constructor(out: WriteStream) {
    this.#out = out;
  }

  /** Creates `path` (mode 0600; refuses an existing file) to write an archive into. */
  static async create(path: string): Promise<TarWriter> {
    const out = createWriteStream(path, { flags: "wx", mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      out.once("open", () => resolve());
      out.once("error", reject);
    });
    return new TarWriter(out);
  }

  /** Adds a member from bytes in memory. */
  async addBuffer(name: string, bytes: Buffer): Promise<void> {
    await this.#write(header(name, bytes.length));
    await this.#write(bytes);
    await this.#write(Buffer.alloc(padding(bytes.length)));
  }

  /** Adds a member streamed from a file of `size` bytes. */
  async addFile(name: string, path: string, size: number): Promise<void> {
    await this.#write(header(name, size));
    const input = createReadStream(path);
    for await (const chunk of input as AsyncIterable<Buffer>) await this.#write(chunk);
    await this.#write(Buffer.alloc(padding(size)));
  }

  /** Writes the two zero blocks that end an archive, flushes and closes the file. */
  async finish(): Promise<void> {
    await this.#write(Buffer.alloc(BLOCK * 2));
    this.#out.end();
    await finished(this.#out);
  }

  /** Closes the file without finishing it (after a failure; the caller removes it). */
  async abort(): Promise<void> {
    this.#out.destroy();
    await finished(this.#out).catch(() => undefined);
  }

  #write(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#out.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  }
}

/** Lists the members of a ustar archive, checking each header's checksum. */
export async function listTar(path: string): Promise<TarMember[]> {
  const handle = await open(path, "r");
  try {
    const { size: fileSize } = await handle.stat();
    const members: TarMember[] = [];
    let at = 0;
    const block = Buffer.alloc(BLOCK);
    for (;;) {
      if (at + BLOCK > fileSize)
        throw new TarFormatError("The archive ends before its end marker.");
      await handle.read(block, 0, BLOCK, at);
      if (block.every((b) => b === 0)) return members;
      const member = parseHeader(block, at + BLOCK);
      if (member.offset + member.size > fileSize)
        throw new TarFormatError(`The archive is cut short inside "${member.name}".`);
      members.push(member);
      at = member.offset + member.size + padding(member.size);
    }
  } finally {
    await handle.close();
  }
}

/** The bytes of one member, read into memory (for small members such as a manifest). */
export async function readTarMember(path: string, member: TarMember): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const bytes = Buffer.alloc(member.size);
    await handle.read(bytes, 0, member.size, member.offset);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** A stream of one member's bytes (for large members such as a database). */
export function streamTarMember(path: string, member: TarMember): NodeJS.ReadableStream {
  if (member.size === 0) return createReadStream(path, { start: 0, end: -1 });
  return createReadStream(path, { start: member.offset, end: member.offset + member.size - 1 });
}

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100 || !/^[\w.-]+$/.test(name))
    throw new RangeError(`"${name}" is not a short plain file name.`);
  if (size > MAX_MEMBER_BYTES) throw new RangeError(`"${name}" is larger than ustar's 8 GiB.`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, "utf8");
  h.write("0000600\0", 100, "ascii"); // mode
  h.write("0000000\0", 108, "ascii"); // uid
  h.write("0000000\0", 116, "ascii"); // gid
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, "0")}\0`,
    136,
    "ascii",
  );
  h.write("        ", 148, "ascii"); // checksum counts as spaces while summed
  h.write("0", 156, "ascii"); // regular file
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

function parseHeader(h: Buffer, offset: number): TarMember {
  const stored = parseOctal(h.subarray(148, 156));
  const sum = h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 32 : b), 0);
  if (stored === undefined || stored !== sum)
    throw new TarFormatError("A header of the archive is damaged (its checksum does not match).");
  if (h.subarray(257, 262).toString("ascii") !== "ustar")
    throw new TarFormatError("The file is not a ustar archive.");
  const type = String.fromCharCode(h[156] ?? 0);
  const end = h.indexOf(0);
  const name = h.subarray(0, end < 0 || end > 100 ? 100 : end).toString("utf8");
  const size = parseOctal(h.subarray(124, 136));
  if (size === undefined) throw new TarFormatError(`The size of "${name}" is unreadable.`);
  if (type !== "0" && type !== "\0")
    throw new TarFormatError(`"${name}" is not a regular file; a backup holds only files.`);
  return { name, size, offset };
}

function parseOctal(field: Buffer): number | undefined {
  const text = field
    .toString("ascii")
    .replace(/[\0 ]+$/, "")
    .trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
