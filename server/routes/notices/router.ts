import { Router, type Request, type Response } from "express";
import { AppError } from "../../errors";
import type { PublicNotices } from "../../services/PublicNotices";
import {
  NOTICE_PAGE_POLICY,
  renderNoticePage,
  type NoticeLanguage,
  type NoticePageState,
} from "./noticePage";
import { NoticeParamsSchema, NoticeQuerySchema } from "./schema";

/** The page's language: ?lang= when given, else the first of zh and en the browser prefers. */
function languageOf(req: Request, asked: NoticeLanguage | undefined): NoticeLanguage {
  if (asked) return asked;
  const header = req.headers["accept-language"] ?? "";
  const ranked = header
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return "zh";
}

/** Headers every public notice answer carries: not indexed, not cached, nothing third-party. */
function publicHeaders(res: Response): void {
  res.setHeader("Content-Security-Policy", NOTICE_PAGE_POLICY);
  res.setHeader("X-Robots-Tag", "noindex, nofollow");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Vary", "Accept-Language");
}

const STATUS: Record<NoticePageState["kind"], number> = {
  live: 200,
  ended: 410,
  unknown: 404,
  bad: 400,
};

/**
 * /n: an entry's public notice page, reached by the QR code on its slide. No sign-in. It shows
 * what the slide shows (through the same presenter) and how to contest; once the listing
 * ended it says so and nothing else (410). An address no published entry had is a 404 that
 * looks the same.
 */
export function noticesRouter(deps: { notices: PublicNotices }): Router {
  const router = Router();

  router.get("/:publicId", async (req, res) => {
    publicHeaders(res);
    const query = NoticeQuerySchema.safeParse(req.query);
    const lang = languageOf(req, query.success ? query.data.lang : undefined);
    const params = NoticeParamsSchema.safeParse(req.params);
    let state: NoticePageState;
    if (!query.success)
      state = {
        kind: "bad",
        sentence: { zh: "语言参数只能是 lang=zh 或 lang=en。", en: "Use lang=zh or lang=en." },
      };
    else if (!params.success) state = { kind: "unknown" };
    else {
      const found = await deps.notices.lookup(params.data.publicId);
      state =
        found.status === "live" ? { kind: "live", notice: found.notice } : { kind: found.status };
    }
    res
      .status(STATUS[state.kind])
      .setHeader("Content-Language", lang === "zh" ? "zh-CN" : "en")
      .type("html")
      .send(renderNoticePage(state, lang, `/n/${params.success ? params.data.publicId : ""}`));
  });

  // The redacted photo of a live notice; gone (404, like an unknown address) once it ended.
  router.get("/:publicId/photo", async (req, res) => {
    publicHeaders(res);
    const params = NoticeParamsSchema.safeParse(req.params);
    const photo = params.success ? await deps.notices.photo(params.data.publicId) : undefined;
    if (!photo) throw new AppError(404, "not_found", "No picture at this address.");
    res.type(photo.mime).send(photo.bytes);
  });

  return router;
}
