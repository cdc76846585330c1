import type { MigrationResult } from "kysely";
import type { Config } from "../config";
import { AuditLog } from "../services/AuditLog";
import { MasterKeyring } from "../services/crypto/MasterKeyring";
import { migrateToLatest, type Store } from "../store/database";

/** The master keys a command holds and the audit log it appends to, chained as a server chains. */
export interface CommandVault {
  keyring: MasterKeyring;
  audit: AuditLog;
  /** The migrations this opening applied (none when the schema was up to date). */
  applied: MigrationResult[];
}

/**
 * The data folder's master keys, held as a server process holds them (MasterKeyring): during an
 * online rotation's grace window both master.key and master.key.retiring, so a command run beside
 * the servers then still verifies the audit chain, appends to it and opens data under either key.
 */
export function openKeyring(config: Config): MasterKeyring {
  return MasterKeyring.open({ dataDir: config.dataDir, keyBase64: config.masterKey });
}

/**
 * What every command that reads or writes the database starts with: the keyring
 * ({@link openKeyring}), the schema brought up to date (the current key re-seals entries
 * written before per-entry data keys, migration 0010), and the audit log under the keyring.
 */
export async function openCommandVault(config: Config, store: Store): Promise<CommandVault> {
  const keyring = openKeyring(config);
  const applied = await migrateToLatest(store, { legacy: keyring.current() });
  return {
    keyring,
    audit: new AuditLog({ db: store.db, kind: store.kind, key: keyring }),
    applied,
  };
}
