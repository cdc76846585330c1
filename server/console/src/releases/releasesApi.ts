import { z } from "zod";
import {
  KioskReleasesViewSchema,
  type KioskReleasesView,
} from "../../../../shared/schemas/kioskRelease";
import { request } from "../lib/api";

/** Releases, what each channel offers, the stages, and the screens' app versions. */
export function fetchReleases(): Promise<KioskReleasesView> {
  return request("/api/kiosk-releases", KioskReleasesViewSchema);
}

/** Offers a version ahead of its channel's release to these districts' and tags' screens. */
export async function stageRelease(
  version: string,
  input: { channel: string; districtIds: string[]; tags: string[] },
): Promise<void> {
  await request(`/api/kiosk-releases/${encodeURIComponent(version)}/stage`, z.unknown(), {
    method: "POST",
    body: input,
  });
}

/** Offers a version to every screen of its channel. */
export async function promoteRelease(version: string, channel: string): Promise<void> {
  await request(`/api/kiosk-releases/${encodeURIComponent(version)}/promote`, z.unknown(), {
    method: "POST",
    body: { channel },
  });
}

/** Goes back to the channel's previous release for every screen. */
export async function rollBackChannel(channel: string): Promise<void> {
  await request("/api/kiosk-releases/rollback", z.unknown(), {
    method: "POST",
    body: { channel },
  });
}
