import type { KioskDb } from "./KioskDb";
import type { PhotoVault } from "./PhotoCache";

/** The photo vault in the kiosk's IndexedDB: one Blob per content hash (photos and posters). */
export function indexedDbPhotoVault(db: KioskDb): PhotoVault {
  return {
    get: async (hash) => {
      const value = await db.get("photos", hash);
      return value instanceof Blob ? value : null;
    },
    put: (hash, blob) => db.put("photos", hash, blob),
    drop: (hash) => db.delete("photos", [hash]),
    retain: async (keep) => {
      const stale = (await db.keys("photos")).filter((hash) => !keep.has(hash));
      await db.delete("photos", stale);
    },
  };
}
