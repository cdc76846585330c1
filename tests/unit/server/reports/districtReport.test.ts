import { describe, expect, it } from "vitest";
import type { DistrictReport } from "../../../../shared/schemas/districtReport";
import { reportCsv } from "../../../../server/routes/reports/router";
import { nearestRank } from "../../../../server/services/reports/DistrictReport";

describe("nearestRank", () => {
  it("takes the value at rank ceil(q·n) of the sorted values, none without values", () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(nearestRank(values, 0.5)).toBe(5);
    expect(nearestRank(values, 0.9)).toBe(9);
    expect(nearestRank(values, 1)).toBe(10);
    expect(nearestRank([4.2], 0.5)).toBe(4.2);
    expect(nearestRank([3, 1], 0.5)).toBe(1);
    expect(nearestRank([3, 1], 0.9)).toBe(3);
    expect(nearestRank([], 0.5)).toBeNull();
  });
});

describe("reportCsv", () => {
  const report: DistrictReport = {
    districtId: "da",
    from: "2026-03-01T00:00:00.000Z",
    to: "2026-03-08T00:00:00.000Z",
    generatedAt: "2026-03-08T00:00:00.000Z",
    screens: {
      count: 1,
      online: 0,
      uptimePercent: null,
      truncated: false,
      items: [
        {
          id: "s1",
          name: "@SUM(A1:A9)",
          districtId: "da",
          state: "revoked",
          online: false,
          connectedMinutes: 0,
          uptimePercent: null,
        },
      ],
    },
    plays: {
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-03-08T00:00:00.000Z",
      total: 1,
      seconds: 5,
      truncated: false,
      items: [{ kind: "announcement", contentId: "a1", label: ' -2+3, "x"', plays: 1, seconds: 5 }],
    },
    takedowns: {
      count: 1,
      incomplete: 1,
      truncated: false,
      secondsToLast: { measured: 0, p50: null, p90: null, max: null },
      items: [
        {
          version: 7,
          kind: "emergency.cleared",
          contentType: "emergency",
          contentId: "e1",
          label: null,
          at: "2026-03-02T00:00:00.000Z",
          screens: 2,
          acknowledged: 1,
          neverAcknowledged: 1,
          secondsToLast: null,
        },
      ],
    },
  };

  it("writes each table with a header, CRLF lines and formula-safe, quoted cells", () => {
    expect(reportCsv(report, "plays")).toBe(
      `kind,contentId,label,plays,seconds\r\nannouncement,a1,"' -2+3, ""x""",1,5\r\n`,
    );
    expect(reportCsv(report, "screens")).toBe(
      "screenId,name,districtId,state,online,connectedMinutes,uptimePercent\r\n" +
        "s1,'@SUM(A1:A9),da,revoked,no,0,\r\n",
    );
    expect(reportCsv(report, "takedowns")).toBe(
      "at,version,kind,contentId,label,screens,acknowledged,neverAcknowledged,secondsToLast\r\n" +
        "2026-03-02T00:00:00.000Z,7,emergency.cleared,e1,,2,1,1,\r\n",
    );
  });
});
