import { z } from "zod";

/**
 * What a console page may want to reload: screens came, went or reported what they show;
 * takedowns were acknowledged; entries changed (published, taken down, or their redaction
 * settled — the entries list and the review queue follow it).
 */
export const ConsoleTopicSchema = z.enum([
  "screens",
  "takedowns",
  "entries",
  "announcements",
  "emergencies",
  "objections",
  "alerts",
]);
/** One console topic. */
export type ConsoleTopic = z.infer<typeof ConsoleTopicSchema>;

/** Pushed to every console socket (at most once a second per topic): reload what shows it. */
export const ConsoleChangedSchema = z.object({ topic: ConsoleTopicSchema });
/** A console-changed notice. */
export type ConsoleChanged = z.infer<typeof ConsoleChangedSchema>;
