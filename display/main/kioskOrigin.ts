/** The custom scheme the kiosk shell serves its bundled renderer from. */
export const KIOSK_SCHEME = "app";

/** The only host the kiosk scheme answers for. */
export const KIOSK_HOST = "kiosk";

/** The renderer's origin: the only origin trusted with navigation and IPC. */
export const KIOSK_ORIGIN = `${KIOSK_SCHEME}://${KIOSK_HOST}`;

/** The page the kiosk window loads. */
export const KIOSK_INDEX_URL = `${KIOSK_ORIGIN}/index.html`;

/** Whether a URL belongs to the bundled renderer (app://kiosk/…), and nothing else. */
export function isKioskUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${KIOSK_SCHEME}:` &&
    parsed.host === KIOSK_HOST &&
    parsed.username === "" &&
    parsed.password === ""
  );
}
