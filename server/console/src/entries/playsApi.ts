import { z } from "zod";
import { PlayReportSchema, type PlayReport } from "../../../../shared/schemas/proofOfPlay";
import { queryString, request } from "../lib/api";

/** The time range and size of a proof-of-play report; empty dates mean the server's default. */
export interface PlayRange {
  /** "YYYY-MM-DD", the first day (from its local midnight), or "". */
  from: string;
  /** "YYYY-MM-DD", the last day (to the next local midnight), or "". */
  to: string;
  limit: number;
}

/** The report query for a range of local days. */
function rangeQuery(range: PlayRange): Record<string, string | number | undefined> {
  const day = (d: string, plus: number) => {
    const at = new Date(`${d}T00:00`);
    at.setDate(at.getDate() + plus);
    return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
  };
  return {
    from: range.from === "" ? undefined : day(range.from, 0),
    to: range.to === "" ? undefined : day(range.to, 1),
    limit: range.limit,
  };
}

/** What one screen showed: per content and its latest plays (GET /api/screens/:id/plays). */
export async function fetchScreenPlays(screenId: string, range: PlayRange): Promise<PlayReport> {
  return (
    await request(
      `/api/screens/${screenId}/plays${queryString(rangeQuery(range))}`,
      z.object({ screenId: z.string(), report: PlayReportSchema }),
    )
  ).report;
}

/** Where one entry was shown: per screen and its latest plays (GET /api/entries/:id/plays). */
export async function fetchEntryPlays(entryId: string, range: PlayRange): Promise<PlayReport> {
  return (
    await request(
      `/api/entries/${entryId}/plays${queryString(rangeQuery(range))}`,
      z.object({ entryId: z.string(), report: PlayReportSchema }),
    )
  ).report;
}
