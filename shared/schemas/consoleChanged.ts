import { z } from "zod";

/** What a console page may want to reload: screens came or went, takedowns were acknowledged, entries changed. */
export const ConsoleTopicSchema = z.enum([
  "screens",
  "takedowns",
  "entries",
  "announcements",
  "emergencies",
  "objections",
]);
/** One console topic. */
export type ConsoleTopic = z.infer<typeof ConsoleTopicSchema>;

/** Pushed to every console socket (at most once a second per topic): reload what shows it. */
export const ConsoleChangedSchema = z.object({ topic: ConsoleTopicSchema });
/** A console-changed notice. */
export type ConsoleChanged = z.infer<typeof ConsoleChangedSchema>;
