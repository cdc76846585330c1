import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { said } from "../../../shared/messages/errorMessages";
import { SCREENSHOT_ANSWER_MS, type Screenshot } from "../../../shared/schemas/screenshot";
import { AppError } from "../../errors";
import { presentScreenshot } from "../../presenters/presentScreenshot";
import type { Database, ScreenRow } from "../../store/schema";
import { getScreen } from "../../store/screens";
import {
  expireUnansweredScreenshots,
  getScreenshot,
  getScreenshotImage,
  insertScreenshot,
  listScreenshots,
  markScreenshotUnavailable,
  receiveScreenshot,
  type ScreenshotRow,
} from "../../store/screenshots";
import type { AuditLog } from "../AuditLog";
import { PeriodicTask } from "../PeriodicTask";
import { reencodeScreenshot } from "./screenshotImage";

/** Asks a screen's connections (on every server process) for a picture; resolves with how many. */
export type ScreenshotAsker = (screenId: string, requestId: string) => Promise<number>;

/** How often requests past their two minutes are marked unavailable. */
const EXPIRE_EVERY_MS = 15_000;

/**
 * Pictures of what a screen shows, on request (issue 20 item 3): an operator asks, the server
 * tells the screen over its socket, and the kiosk uploads a picture with its device token (or
 * says it cannot). Only the screen asked may answer, once, within two minutes; a request not
 * answered by then is unavailable ("the screen did not answer"). Each request is audited.
 */
export class ScreenScreenshots {
  private readonly task = new PeriodicTask(
    () => this.expireOverdue(),
    (err) => this.deps.log.error({ err }, "screenshot requests not expired; will retry"),
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      audit: AuditLog;
      ask: ScreenshotAsker;
      /** Consoles showing screens reload (a picture came, or will not). */
      changed: () => void;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Checks for overdue requests every 15 s until stopped. */
  start(): void {
    this.task.start(EXPIRE_EVERY_MS);
  }

  /** Stops the check; resolves when one under way has ended. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Asks the screen for a picture; refused for a screen that is unpaired or revoked. */
  async request(screenId: string, userId: string): Promise<Screenshot> {
    const { db } = this.deps;
    const screen = await getScreen(db, screenId);
    if (!screen) throw new AppError(404, "not_found", said("screen.notFound", { id: screenId }));
    if (screen.state !== "active") throw new AppError(409, "conflict", said("screen.unpaired"));
    const id = randomUUID();
    const at = this.now().toISOString();
    await db.transaction().execute(async (trx) => {
      await insertScreenshot(trx, {
        id,
        screen_id: screenId,
        district_id: screen.district_id,
        requested_by: userId,
        requested_at: at,
      });
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: userId },
        action: "screen.screenshot_requested",
        target: { type: "screen", id: screenId },
        details: { screenshotId: id },
      });
    });
    // Recorded first, then asked: a quick kiosk's answer finds its request waiting.
    let reached = 0;
    try {
      reached = await this.deps.ask(screenId, id);
    } catch (err) {
      this.deps.log.warn({ err, screenId }, "screenshot request not delivered");
    }
    if (reached === 0)
      await markScreenshotUnavailable(db, id, { kind: "not_connected", reason: null, at });
    this.deps.changed();
    return presentScreenshot(await this.load(id));
  }

  /** The screen's latest requests, newest first (overdue ones already marked). */
  async list(screenId: string, limit: number): Promise<Screenshot[]> {
    await this.expireOverdue();
    return (await listScreenshots(this.deps.db, screenId, limit)).map(presentScreenshot);
  }

  /** One request (for the route's district check). */
  async load(id: string): Promise<ScreenshotRow> {
    const row = await getScreenshot(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("screenshot.notFound", { id }));
    return row;
  }

  /** A received picture's JPEG bytes. */
  async image(id: string): Promise<Buffer> {
    const row = await this.load(id);
    const image = await getScreenshotImage(this.deps.db, id);
    if (!image)
      throw new AppError(404, "not_found", said("screenshot.noImage", { state: row.state }));
    return image;
  }

  /** The kiosk `screen` answers `requestId` with a picture (PNG or JPEG bytes). */
  async receive(screen: ScreenRow, requestId: string, bytes: Buffer): Promise<Screenshot> {
    await this.waitingFor(screen, requestId);
    const picture = await reencodeScreenshot(bytes);
    const stored = await receiveScreenshot(this.deps.db, requestId, screen.id, {
      image: picture.jpeg,
      width: picture.width,
      height: picture.height,
      at: this.now().toISOString(),
    });
    if (!stored) throw new AppError(409, "conflict", said("screenshot.alreadyAnswered"));
    this.deps.changed();
    return presentScreenshot(await this.load(requestId));
  }

  /** The kiosk `screen` says it cannot take the picture `requestId`, and why. */
  async unavailable(screen: ScreenRow, requestId: string, reason: string): Promise<Screenshot> {
    await this.waitingFor(screen, requestId);
    const marked = await markScreenshotUnavailable(
      this.deps.db,
      requestId,
      { kind: "kiosk", reason, at: this.now().toISOString() },
      screen.id,
    );
    if (!marked) throw new AppError(409, "conflict", said("screenshot.alreadyAnswered"));
    this.deps.changed();
    return presentScreenshot(await this.load(requestId));
  }

  /** Marks requests past their two minutes unavailable; returns how many. */
  async expireOverdue(): Promise<number> {
    const now = this.now();
    const before = new Date(now.getTime() - SCREENSHOT_ANSWER_MS).toISOString();
    const n = await expireUnansweredScreenshots(this.deps.db, before, now.toISOString());
    if (n > 0) this.deps.changed();
    return n;
  }

  /**
   * The request `requestId` as its screen may answer it: another screen's (or none) is 404, one
   * answered or past its two minutes 409. Checked before the picture is decoded.
   */
  private async waitingFor(screen: ScreenRow, requestId: string): Promise<void> {
    await this.expireOverdue();
    const row = await getScreenshot(this.deps.db, requestId);
    if (!row || row.screen_id !== screen.id)
      throw new AppError(404, "not_found", said("screenshot.notWaiting", { id: requestId }));
    if (row.state !== "requested")
      throw new AppError(409, "conflict", said("screenshot.alreadyAnswered"));
  }
}
