import { identifyCodeOf } from "../../../shared/schemas/screen";
import type { Kysely } from "kysely";
import type { Screen } from "../../../shared/schemas/screen";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";
import { presentScreen } from "../../presenters/presentScreen";
import { getScreen } from "../../store/screens";
import type { Database } from "../../store/schema";
import type { AuditInput, AuditLog } from "../AuditLog";
import type { ScreenNotifier } from "./ScreenNotifier";

/** A console command for one screen. */
export type ScreenCommand =
  { kind: "identify"; seconds: number } | { kind: "reload"; reason: string };

/**
 * Console commands to a screen (identify, reload), refused while the screen is unpaired or not
 * connected so the operator knows nothing happened. A reload is audited: the screen goes blank
 * for a moment on the street.
 */
export class ScreenCommands {
  constructor(
    private readonly deps: { db: Kysely<Database>; notifier: ScreenNotifier; audit: AuditLog },
  ) {}

  /** Sends `command` to the screen's connections; resolves with how many got it. */
  async send(
    id: string,
    command: ScreenCommand,
    actor: AuditInput["actor"],
  ): Promise<{ screen: Screen; reached: number }> {
    const row = await getScreen(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("screen.notFound", { id }));
    if (row.state !== "active") throw new AppError(409, "conflict", said("screen.unpaired"));
    const reached = await this.deps.notifier.command(
      id,
      // The code, not the screen's free-text name: nothing one person types reaches the street.
      command.kind === "identify" ? { ...command, name: identifyCodeOf(row.id) } : command,
    );
    if (reached === 0) throw new AppError(409, "conflict", said("screen.notConnected"));
    if (command.kind === "reload")
      await this.deps.audit.record(this.deps.db, {
        actor,
        action: "screen.reload_requested",
        target: { type: "screen", id },
        details: { reached },
      });
    return { screen: presentScreen(row, true), reached };
  }
}
