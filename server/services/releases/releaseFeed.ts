// The pure parts of kiosk releases: versions, installer kinds, the feed file electron-updater reads.

/** Installer kinds the update feed serves: AppImage and deb for Linux kiosks, exe for Windows. */
export type InstallerKind = "AppImage" | "deb" | "exe";

/**
 * The installer kind of a file by its extension and its first bytes, or undefined when they are
 * not one of ours or disagree: an AppImage is an ELF binary marked "AI" type 2 at byte 8, a deb an
 * ar archive whose first member is debian-binary, an exe a PE file ("MZ").
 */
export function installerKindOf(fileName: string, head: Uint8Array): InstallerKind | undefined {
  const ascii = (from: number, to: number): string =>
    String.fromCharCode(...head.subarray(from, to));
  const ext = /\.([A-Za-z]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (ext === "appimage")
    return ascii(0, 4) === "\x7fELF" && ascii(8, 11) === "AI\x02" ? "AppImage" : undefined;
  if (ext === "deb")
    return ascii(0, 8) === "!<arch>\n" && ascii(8, 21) === "debian-binary" ? "deb" : undefined;
  if (ext === "exe") return ascii(0, 2) === "MZ" ? "exe" : undefined;
  return undefined;
}

/**
 * The version in an installer's name as electron-builder names them
 * (civic-signage-kiosk-1.4.0-x86_64.AppImage, …-2.0.0-beta.1-amd64.deb), or undefined.
 */
export function versionInFileName(fileName: string): string | undefined {
  const m = /(?:^|[-_ v])(\d+\.\d+\.\d+(?:-(?:alpha|beta|rc)(?:\.\d+)?)?)(?=[-_.]|$)/.exec(
    fileName,
  );
  return m?.[1];
}

/** Orders two semantic versions (negative: a is older), pre-releases before their release. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string): [number[], string[]] => {
    const dash = v.indexOf("-");
    const core = (dash < 0 ? v : v.slice(0, dash)).split(".").map(Number);
    return [core, dash < 0 ? [] : v.slice(dash + 1).split(".")];
  };
  const [ca, pa] = split(a);
  const [cb, pb] = split(b);
  for (let i = 0; i < 3; i++) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa.length === 0 || pb.length === 0) return pb.length - pa.length;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The feed file names electron-updater's generic provider asks a channel for. */
export function feedFileNames(channel: string): string[] {
  // Provider.getCustomChannelName: `${channel}-linux` on Linux x64 (the kiosks), bare on Windows;
  // util.getChannelFilename adds ".yml".
  return [`${channel}-linux.yml`, `${channel}.yml`];
}

/** What a feed file says of one release. */
export interface FeedRelease {
  version: string;
  fileName: string;
  sha512: string;
  size: number;
  releaseDate: string;
  notes: string | null;
}

/**
 * The channel file (latest-linux.yml) of one release, in electron-builder's shape. The file's
 * URL is relative to the feed (…/kiosk/updates/<channel>/), so it is fetched with the same
 * token. Strings are written as JSON, which YAML reads as double-quoted scalars.
 */
export function feedYaml(r: FeedRelease): string {
  const q = (s: string): string => JSON.stringify(s);
  const url = q(`files/${encodeURIComponent(r.fileName)}`);
  return [
    `version: ${q(r.version)}`,
    "files:",
    `  - url: ${url}`,
    `    sha512: ${q(r.sha512)}`,
    `    size: ${r.size}`,
    `path: ${url}`,
    `sha512: ${q(r.sha512)}`,
    `releaseDate: ${q(r.releaseDate)}`,
    ...(r.notes === null ? [] : [`releaseNotes: ${q(r.notes)}`]),
    "",
  ].join("\n");
}

/** A version staged to a district or a tag. */
export interface StagedVersion {
  targetType: "district" | "tag";
  targetId: string;
  version: string;
}

/**
 * The version a screen is offered on a channel: the newest staged to one of its districts (its
 * own or one above it) or one of its tags, else the channel's released version.
 */
export function offeredVersion(
  screen: { districtChain: readonly string[]; tags: readonly string[] },
  released: string | null,
  stages: readonly StagedVersion[],
): string | null {
  const mine = stages.filter((s) =>
    s.targetType === "district"
      ? screen.districtChain.includes(s.targetId)
      : screen.tags.includes(s.targetId),
  );
  if (mine.length === 0) return released;
  return mine.map((s) => s.version).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}
