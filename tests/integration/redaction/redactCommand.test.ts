import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRedactCommand, type RedactReport } from "../../../server/commands/redact";
import { demoPhoto, noFacePhoto, textFileNamedJpg } from "../../fixtures/images";

/** Runs the command with captured output. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runRedactCommand(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

function reports(stdout: string): RedactReport[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as RedactReport);
}

describe("signage redact", { timeout: 180_000 }, () => {
  let dir: string;
  let face: string;
  let noFace: string;
  let notImage: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "signage-redact-"));
    face = join(dir, "person.jpg");
    noFace = join(dir, "wall.jpg");
    notImage = join(dir, textFileNamedJpg().name);
    await writeFile(face, await demoPhoto(3));
    await writeFile(noFace, await noFacePhoto());
    await writeFile(notImage, textFileNamedJpg().bytes);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("redacts one photo to a verified WebP and exits 0", async () => {
    const out = join(dir, "person.webp");
    const { code, stdout, stderr } = await run([face, out, "--json"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(reports(stdout)).toEqual([
      {
        input: face,
        output: out,
        faces: expect.any(Number) as number,
        verified: true,
        needsReview: false,
        reason: null,
        concerns: expect.any(Array) as string[],
      },
    ]);
    const meta = await sharp(await readFile(out)).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual([
      "webp",
      600,
      800,
      undefined,
    ]);
  });

  it("runs on the engine given with --engine and refuses an unknown one", async () => {
    const out = join(dir, "person-wasm.webp");
    const onWasm = await run([face, out, "--engine", "wasm", "--json"]);
    expect(onWasm.code).toBe(0);
    expect(reports(onWasm.stdout)[0]?.verified).toBe(true);

    const bad = await run([face, out, "--engine", "gpu"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--engine .*must be auto, onnxruntime or wasm, not "gpu"/);
  });

  it("writes nothing for a photo that needs review, and exits 3", async () => {
    const out = join(dir, "wall.webp");
    const { code, stdout } = await run([noFace, out, "--json", "--style", "solid"]);
    expect(code).toBe(3);
    expect(reports(stdout)).toEqual([
      {
        input: noFace,
        output: null,
        faces: 0,
        verified: false,
        needsReview: true,
        reason: "no_face_detected",
        concerns: [],
      },
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it("redacts many files into a directory, one JSON line each, and exits 1 when one is refused", async () => {
    const outDir = join(dir, "out");
    const { code, stdout, stderr } = await run(["--out", outDir, "--json", face, noFace, notImage]);
    expect(code).toBe(1);
    const lines = reports(stdout);
    expect(lines.map((l) => [l.input, l.needsReview, l.reason])).toEqual([
      [face, false, null],
      [noFace, true, "no_face_detected"],
      [notImage, false, "unsupported_media_type"],
    ]);
    expect(lines[0]?.output).toBe(join(outDir, "person.webp"));
    expect(await readdir(outDir)).toEqual(["person.webp"]);
    // The refusal is one sentence on stderr, no stack trace.
    expect(stderr.trim().split("\n")).toEqual([
      `signage redact: ${notImage}: The file is not a JPEG, PNG, WebP or AVIF image.`,
    ]);
  });

  it("prints one progress line per file on stderr without --json", async () => {
    const { code, stdout, stderr } = await run([
      "--out",
      join(dir, "progress"),
      face,
      noFace,
      notImage,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    // The fixture is a group photo: published, with what a moderator must look at.
    expect(lines[0]).toMatch(
      /^\[1\/3\] .*person\.jpg → .*person\.webp \(\d+ faces?, verified, \d+ ms\); look at it: The photo shows more than one face/,
    );
    expect(lines[1]).toMatch(
      /^\[2\/3\] .*wall\.jpg: needs review — No face was found.*no output written\)$/,
    );
    expect(lines[2]).toMatch(
      /^\[3\/3\] .*portrait\.jpg: refused — The file is not a JPEG, PNG, WebP or AVIF image\.$/,
    );
  });

  it("exits 3, not 0, when every photo is fine but one needs review", async () => {
    const { code } = await run(["--out", join(dir, "mixed"), "--json", face, noFace]);
    expect(code).toBe(3);
  });

  it("exits 1 with one sentence for a file it cannot read", async () => {
    const { code, stderr } = await run([join(dir, "missing.jpg"), join(dir, "missing.webp")]);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/missing\.jpg: refused — cannot read the file: no such file$/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it.each([
    [[], /give one photo and one output file/],
    [["only-one.jpg"], /give one photo and one output file/],
    [["a.jpg", "b.png"], /must be a \.webp file/],
    [["a.jpg", "b.webp", "--style", "blur"], /--style must be mosaic or solid/],
    [["--out"], /argument missing|--out/],
    [["--bogus", "a.jpg", "b.webp"], /Unknown option/],
  ])("exits 2 on a usage error: %j", async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain("Usage:");
  });
});
