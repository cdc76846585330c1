import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import { checkpointWal } from "../../store/database";
import { loadEntryKey, loadRawPhoto, loadSealedIdentity } from "../../store/entries";
import type { Database } from "../../store/schema";
import { rawDataAad, type DataKey, type KeyUnwrapper } from "./RawVault";

type Db = Kysely<Database> | Transaction<Database>;

/** The additional authenticated data that binds a sealed value to its entry and purpose. */
export const sealedContext = {
  photo: (entryId: string): string => rawDataAad("photo", entryId),
  idNumber: (entryId: string): string => rawDataAad("id_number", entryId),
  fullName: (entryId: string): string => rawDataAad("full_name", entryId),
} as const;

/** The entry's data key; undefined once the listing ended and the key was erased. */
export async function entryKeyOf(
  db: Db,
  keyring: KeyUnwrapper,
  entryId: string,
): Promise<DataKey | undefined> {
  const wrapped = await loadEntryKey(db, entryId);
  return wrapped === undefined ? undefined : keyring.unwrapDataKey(wrapped, entryId);
}

/** The entry's raw photo in plain; undefined when it has none or it was erased. */
export async function openRawPhoto(
  db: Db,
  keyring: KeyUnwrapper,
  entryId: string,
): Promise<Buffer | undefined> {
  const sealed = await loadRawPhoto(db, entryId);
  if (sealed === undefined) return undefined;
  const key = await entryKeyOf(db, keyring, entryId);
  return key?.open(sealed, sealedContext.photo(entryId));
}

/** The entry's full name in plain, for the server's own use; undefined once erased. */
export async function openFullName(
  db: Db,
  keyring: KeyUnwrapper,
  entryId: string,
): Promise<string | undefined> {
  return (await openIdentity(db, keyring, entryId)).fullName;
}

/**
 * The entry's full name and ID number in plain, for the server's own use, read and opened with
 * one load of the row and one unwrap of its key; each undefined when absent or erased.
 */
export async function openIdentity(
  db: Db,
  keyring: KeyUnwrapper,
  entryId: string,
): Promise<{ fullName?: string; idNumber?: string }> {
  const sealed = await loadSealedIdentity(db, entryId);
  if (!sealed || (sealed.fullName === null && sealed.idNumber === null)) return {};
  const key = await entryKeyOf(db, keyring, entryId);
  if (!key) return {};
  return {
    ...(sealed.fullName === null
      ? {}
      : { fullName: key.open(sealed.fullName, sealedContext.fullName(entryId)).toString("utf8") }),
    ...(sealed.idNumber === null
      ? {}
      : { idNumber: key.open(sealed.idNumber, sealedContext.idNumber(entryId)).toString("utf8") }),
  };
}

/**
 * After a transaction that erased entries committed: on SQLite the WAL is checkpointed and
 * truncated so no copy of the erased pages stays in the -wal file. Best effort: a failure or a
 * busy reader is logged (the next erasure's checkpoint takes the rest), never thrown.
 */
export async function finishErasure(
  db: Kysely<Database>,
  log: Logger,
  entryIds: readonly string[],
): Promise<void> {
  try {
    const outcome = await checkpointWal(db);
    if (outcome.kind === "busy")
      log.warn(
        { entryIds, walFrames: outcome.walFrames, checkpointed: outcome.checkpointed },
        "WAL checkpoint after erasure was incomplete (a reader is open); the next one finishes it",
      );
  } catch (err) {
    log.error({ err, entryIds }, "WAL checkpoint after erasure failed");
  }
}
