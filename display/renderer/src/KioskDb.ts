/** The object stores of the kiosk's database. */
export type KioskStore = "state" | "photos" | "plays";

const STORES: readonly KioskStore[] = ["state", "photos", "plays"];

/**
 * The kiosk's own IndexedDB database: the last synced manifest ("state"), the redacted photos
 * and posters it shows ("photos", Blobs by content hash), and proof of play not yet receipted
 * ("plays").
 * What survives a restart or a power cut, so a screen with no server plays at once.
 */
export class KioskDb {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (and on first use creates) the database. */
  static open(name = "signage-kiosk"): Promise<KioskDb> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => {
        for (const store of STORES)
          if (!req.result.objectStoreNames.contains(store)) req.result.createObjectStore(store);
      };
      req.onsuccess = () => resolve(new KioskDb(req.result));
      req.onerror = () => reject(req.error ?? new Error("IndexedDB could not be opened"));
      req.onblocked = () => reject(new Error("IndexedDB is held open by another kiosk window"));
    });
  }

  /** The value under `key`, or undefined. */
  get(store: KioskStore, key: string): Promise<unknown> {
    return this.run(store, "readonly", (s) => s.get(key));
  }

  /** The first `limit` records of a store in key order, read in one transaction. */
  first(store: KioskStore, limit: number): Promise<{ key: string; value: unknown }[]> {
    return new Promise((resolve, reject) => {
      const s = this.db.transaction(store, "readonly").objectStore(store);
      const keys = s.getAllKeys(null, limit);
      const values = s.getAll(null, limit);
      // Both requests run in order on one transaction: keys.result is there when values lands.
      values.onsuccess = () =>
        resolve(
          values.result.map((value: unknown, i) => ({
            key: String(keys.result[i] as string),
            value,
          })),
        );
      keys.onerror = values.onerror = () =>
        reject(keys.error ?? values.error ?? new Error(`IndexedDB ${store} read failed`));
    });
  }

  /** Every key of a store. */
  keys(store: KioskStore): Promise<string[]> {
    return this.run(store, "readonly", (s) => s.getAllKeys()).then((keys) => keys.map(String));
  }

  /** How many records a store holds. */
  count(store: KioskStore): Promise<number> {
    return this.run(store, "readonly", (s) => s.count());
  }

  /** Stores `value` under `key`; resolves once the transaction is durable. */
  put(store: KioskStore, key: string, value: unknown): Promise<void> {
    return this.write(store, (s) => s.put(value, key));
  }

  /** Deletes the given keys in one transaction. */
  delete(store: KioskStore, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.write(store, (s) => {
      for (const key of keys) s.delete(key);
    });
  }

  /** Empties every store (the screen was unpaired: nothing of its district may stay). */
  clear(): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction([...STORES], "readwrite", { durability: "strict" });
      for (const store of STORES) tx.objectStore(store).clear();
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB clear failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB clear aborted"));
    });
  }

  private run<T>(
    store: KioskStore,
    mode: IDBTransactionMode,
    op: (s: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = op(this.db.transaction(store, mode).objectStore(store));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error(`IndexedDB ${store} request failed`));
    });
  }

  private write(store: KioskStore, op: (s: IDBObjectStore) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      // "strict": a takedown written here must survive a power cut right after.
      const tx = this.db.transaction(store, "readwrite", { durability: "strict" });
      op(tx.objectStore(store));
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error(`IndexedDB ${store} write failed`));
      tx.onabort = () => reject(tx.error ?? new Error(`IndexedDB ${store} write aborted`));
    });
  }
}
