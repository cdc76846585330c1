import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");

/** Every TypeScript file of the server, its console (browser code, no AppError) left out. */
function serverFiles(dir = join(root, "server")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory())
      return e.name === "node_modules" || path === join(root, "server/console")
        ? []
        : serverFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * Walks the bracketed span opening at `open`, skipping quoted text: calls `comma` at each
 * top-level comma and returns the index of the closing bracket (the text's length if none).
 */
function walk(text: string, open: number, comma: (at: number) => void = () => undefined): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (--depth === 0) return i;
    } else if (c === "," && depth === 1) comma(i);
  }
  return text.length;
}

/** The top-level arguments of the call whose "(" is at `open`, as written. */
function argumentsAt(text: string, open: number): string[] {
  const cuts = [open];
  const close = walk(text, open, (at) => cuts.push(at));
  cuts.push(close);
  return cuts
    .slice(1)
    .map((end, i) => text.slice((cuts[i] ?? open) + 1, end).trim())
    .filter((a) => a !== "");
}

/** `text` without its said(…) calls: their arguments may hold quotes. */
function withoutSaid(text: string): string {
  let rest = text;
  for (let at = rest.search(/\bsaid\(/); at >= 0; at = rest.search(/\bsaid\(/))
    rest = rest.slice(0, at) + rest.slice(walk(rest, at + 4) + 1);
  return rest;
}

/** The throw sites in a file whose sentence is written in place instead of named with said(). */
function unworded(path: string): string[] {
  const source = readFileSync(path, "utf8");
  const found: string[] = [];
  for (const m of source.matchAll(/new (AppError|RateLimitedError)\(/g)) {
    const args = argumentsAt(source, (m.index ?? 0) + m[0].length - 1);
    // AppError(status, code, message, issues?); RateLimitedError(retryAfterSeconds, message).
    const message = args[m[1] === "AppError" ? 2 : 1] ?? "";
    // A Worded handed on in a variable passes (the compiler holds its type); a quote outside
    // said(…) and outside a comparison (`status === "failed" ? said(…) : …`) is a sentence.
    const compared = /[!=]==?\s*(?:"[^"]*"|'[^']*')/g;
    if (/["'`]/.test(withoutSaid(message).replace(compared, ""))) {
      const line = source.slice(0, m.index).split("\n").length;
      found.push(`${relative(root, path)}:${line}: ${message.replace(/\s+/g, " ").slice(0, 90)}`);
    }
  }
  return found;
}

describe("the server's refusals", () => {
  it("are all named by reason with said(), so the console can word them in its language", () => {
    expect(serverFiles().flatMap(unworded)).toEqual([]);
  });

  it("are caught when written in place, and let through when named (the check itself)", () => {
    const sample = join(import.meta.dirname, "wordedErrors.sample.txt");
    expect(unworded(sample).map((s) => s.replace(/^.*?:(\d+):.*$/, "$1"))).toEqual(["2", "3", "4"]);
  });
});
