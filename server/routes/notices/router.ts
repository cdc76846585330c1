import express, { Router, type Request, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import { ObjectionFilingSchema } from "../../../shared/schemas/objection";
import { AppError, RateLimitedError } from "../../errors";
import { readMultipart } from "../../http/readMultipart";
import { originAllowed } from "../../http/session";
import { OBJECTION_DOCUMENT_MAX_BYTES, type Objections } from "../../services/Objections";
import type { PublicNotices } from "../../services/PublicNotices";
import {
  NOTICE_PAGE_POLICY,
  renderNoticePage,
  type NoticeLanguage,
  type NoticePageState,
  type ObjectionField,
  type ObjectionFormEcho,
} from "./noticePage";
import {
  NoticeParamsSchema,
  NoticeQuerySchema,
  ObjectionLookupQuerySchema,
  ObjectionStatusParamsSchema,
} from "./schema";
import { said } from "../../../shared/messages/errorMessages";

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
  // The objection form posts back here: the browser must name this origin on that POST (a
  // "no-referrer" policy makes it send "Origin: null"); other sites still get no referrer.
  res.setHeader("Referrer-Policy", "same-origin");
}

const STATUS: Record<NoticePageState["kind"], number> = {
  live: 200,
  ended: 410,
  unknown: 404,
  bad: 400,
  filed: 201,
  status: 200,
  lookup: 200,
  noObjection: 404,
};

/** Whether the caller asked for JSON (an API client) rather than a page (a browser). */
function wantsJson(req: Request): boolean {
  return (
    req.is("application/json") === "application/json" || req.accepts(["html", "json"]) === "json"
  );
}

/** Sends a page for `state` with its status (or `status` when given). */
function sendPage(
  res: Response,
  state: NoticePageState,
  lang: NoticeLanguage,
  path: string,
  status?: number,
): void {
  res
    .status(status ?? STATUS[state.kind])
    .setHeader("Content-Language", lang === "zh" ? "zh-CN" : "en")
    .type("html")
    .send(renderNoticePage(state, lang, path));
}

/** What a refusal says on the public page, in both languages, by its code. */
const REFUSALS: Partial<Record<AppError["code"], { zh: string; en: string }>> = {
  rate_limited: {
    zh: "提交次数过多，请稍后再试，或使用上方的联系方式。",
    en: "Too many objections were sent; try again later, or use the contact shown above.",
  },
  forbidden: {
    zh: "请在本网站的公示页面上提交异议。",
    en: "Send the objection from the notice page on this site.",
  },
  overloaded: {
    zh: "当前提交的异议较多，请一分钟后再试。",
    en: "Many objections are arriving; try again in a minute.",
  },
  unsupported_media_type: {
    zh: "请通过公示页面上的表格提交。",
    en: "Send the objection with the form on the notice page.",
  },
  payload_too_large: { zh: "提交的内容过大。", en: "What was sent is too large." },
  bad_request: {
    zh: "提交的内容无法读取，请重试。",
    en: "What was sent could not be read; try again.",
  },
};

/** What a refused document says, by the refusal's code. */
const DOCUMENT_REFUSALS: Partial<Record<AppError["code"], { zh: string; en: string }>> = {
  payload_too_large: { zh: "文件超过 5 MB。", en: "The file is larger than 5 MB." },
  unsupported_media_type: {
    zh: "只接受 JPEG、PNG、WebP 照片或 PDF 文件。",
    en: "Attach a photo (JPEG, PNG or WebP) or a PDF.",
  },
  bad_request: {
    zh: "文件已损坏或无法读取。",
    en: "The file is damaged or cannot be read.",
  },
};

/** What each form field's refusal says. */
const FIELD_REFUSALS: Record<Exclude<ObjectionField, "document">, { zh: string; en: string }> = {
  name: {
    zh: "请填写您的姓名（最多 100 字）。",
    en: "Fill in your name (at most 100 characters).",
  },
  contact: { zh: "请填写电话号码或电子邮箱。", en: "Give a phone number or an email address." },
  text: {
    zh: "请说明哪里有误（最多 2000 字）。",
    en: "Say what is wrong (at most 2000 characters).",
  },
  consent: { zh: "请勾选同意后再提交。", en: "Tick the box to agree, then send." },
};

/** A filing refused by its fields: the form comes back with each field's sentence. */
class FormRefused extends Error {
  constructor(readonly echo: ObjectionFormEcho) {
    super("the objection form has errors");
  }
}

const urlencoded = express.urlencoded({ extended: false, limit: "32kb", parameterLimit: 10 });
const json = express.json({ limit: "32kb" });

/** Runs a body parser as a promise (its errors become 4xx through the error handler's rules). */
function parseWith(parser: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req, res, (err?: unknown) => {
      if (err === undefined || err === null) resolve();
      else {
        const e = err as { type?: string; status?: number };
        reject(
          e.type === "entity.too.large"
            ? new AppError(413, "payload_too_large", said("objection.tooLarge"))
            : new AppError(400, "bad_request", said("objection.unreadable")),
        );
      }
    });
  });
}

/** The fields and document of a filing, from a form (urlencoded or multipart) or JSON. */
async function readFiling(
  req: Request,
  res: Response,
): Promise<{ fields: Record<string, unknown>; document?: Buffer }> {
  if (req.is("multipart/form-data")) {
    const form = await readMultipart(req, {
      files: { document: { maxBytes: OBJECTION_DOCUMENT_MAX_BYTES } },
      fields: ["name", "contact", "text", "consent", "website", "lang"],
      maxFieldBytes: 16 * 1024,
    });
    const doc = form.files["document"];
    // A form with no file chosen still sends an empty "document" part.
    return doc && doc.bytes.length > 0
      ? { fields: form.fields, document: doc.bytes }
      : { fields: form.fields };
  }
  if (req.is("application/x-www-form-urlencoded")) {
    await parseWith(urlencoded, req, res);
    return { fields: (req.body ?? {}) as Record<string, unknown> };
  }
  if (req.is("application/json")) {
    await parseWith(json, req, res);
    const body: unknown = req.body;
    return {
      fields: typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {},
    };
  }
  throw new AppError(415, "unsupported_media_type", said("objection.notForm"));
}

/** The form's fields as typed, to send the form back with them. */
function valuesOf(fields: Record<string, unknown>): ObjectionFormEcho["values"] {
  const text = (v: unknown): string => (typeof v === "string" ? v.slice(0, 2000) : "");
  return {
    name: text(fields["name"]),
    contact: text(fields["contact"]),
    text: text(fields["text"]),
  };
}

/** The per-field sentences of a refused filing. */
function fieldErrors(error: z.ZodError): ObjectionFormEcho["errors"] {
  const errors: ObjectionFormEcho["errors"] = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (field === "name" || field === "contact" || field === "text" || field === "consent")
      errors[field] = FIELD_REFUSALS[field];
  }
  return errors;
}

/**
 * Refuses a POST that does not come from a page of this server: its Origin (or, without one,
 * its Referer) must name this server, as the console's API requires (CSRF).
 */
function requireSameOrigin(req: Request, publicOrigin: string | undefined): void {
  let origin = req.headers.origin;
  if (origin === undefined && typeof req.headers.referer === "string") {
    try {
      origin = new URL(req.headers.referer).origin;
    } catch {
      origin = undefined;
    }
  }
  if (!originAllowed(origin, req.headers.host, publicOrigin))
    throw new AppError(403, "forbidden", said("objection.wrongPage"));
}

/**
 * /n: an entry's public notice page, reached by the QR code on its slide. No sign-in. It shows
 * what the slide shows (through the same presenter) and how to contest; once the listing
 * ended it says so and nothing else (410). An address no published entry had is a 404 that
 * looks the same.
 */
export function noticesRouter(deps: {
  notices: PublicNotices;
  objections: Objections;
  /** SIGNAGE_PUBLIC_URL's origin, when set: the only Origin an objection may come from. */
  publicOrigin?: string;
}): Router {
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
    if (!photo) throw new AppError(404, "not_found", said("objection.noPicture"));
    res.type(photo.mime).send(photo.bytes);
  });

  // A citizen's objection, from the form on the live page (or JSON from an API client). Bounded
  // work under a flood: the address's hourly share is checked before the body is read, and only
  // a few filings are read and checked at once.
  router.post("/:publicId/objections", async (req, res) => {
    publicHeaders(res);
    const asJson = wantsJson(req);
    const query = NoticeQuerySchema.safeParse(req.query);
    let lang = languageOf(req, query.success ? query.data.lang : undefined);
    const params = NoticeParamsSchema.safeParse(req.params);
    const path = `/n/${params.success ? params.data.publicId : ""}`;
    try {
      if (!params.success) throw new AppError(404, "not_found", said("objection.noNotice"));
      const { publicId } = params.data;
      requireSameOrigin(req, deps.publicOrigin);
      deps.objections.checkAddress(req.ip ?? "unknown");
      const receipt = await deps.objections.admit(async () => {
        const { fields, document } = await readFiling(req, res);
        if (fields["lang"] === "zh" || fields["lang"] === "en") lang = fields["lang"];
        const values = valuesOf(fields);
        const filing = ObjectionFilingSchema.safeParse(fields);
        if (!filing.success) {
          if (asJson)
            throw new AppError(
              400,
              "validation_failed",
              said("objection.invalid", {
                problems: filing.error.issues
                  .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
                  .join("; "),
              }),
              filing.error.issues.map((i) => ({
                path: i.path.map(String).join(".") || "(root)",
                message: i.message,
              })),
            );
          throw new FormRefused({ values, errors: fieldErrors(filing.error) });
        }
        try {
          return await deps.objections.file(
            publicId,
            filing.data,
            document ? { bytes: document } : undefined,
            req.ip ?? "unknown",
          );
        } catch (err) {
          const said =
            err instanceof AppError && document ? DOCUMENT_REFUSALS[err.code] : undefined;
          if (
            !asJson &&
            said &&
            err instanceof AppError &&
            err.status !== 429 &&
            err.status !== 410
          )
            throw new FormRefused({ values, errors: { document: said } });
          throw err;
        }
      });
      if (asJson) {
        res.status(201).json({ objection: receipt });
        return;
      }
      sendPage(res, { kind: "filed", receipt }, lang, receipt.statusUrl);
    } catch (err) {
      if (asJson) throw err;
      if (err instanceof FormRefused && params.success) {
        const found = await deps.notices.lookup(params.data.publicId);
        if (found.status === "live") {
          sendPage(res, { kind: "live", notice: found.notice, form: err.echo }, lang, path, 400);
          return;
        }
        sendPage(res, { kind: found.status }, lang, path);
        return;
      }
      if (!(err instanceof AppError)) throw err;
      if (err.status === 410) return sendPage(res, { kind: "ended" }, lang, path);
      if (err.status === 404) return sendPage(res, { kind: "unknown" }, lang, path);
      if (err instanceof RateLimitedError)
        res.setHeader("Retry-After", String(err.retryAfterSeconds));
      const sentence = REFUSALS[err.code] ?? REFUSALS.bad_request ?? { zh: "", en: "" };
      sendPage(res, { kind: "bad", sentence }, lang, path, err.status);
    }
  });

  // The form asking for a reference; with ?reference=, on to that objection's status page.
  router.get("/:publicId/objections", async (req, res) => {
    publicHeaders(res);
    const query = ObjectionLookupQuerySchema.safeParse(req.query);
    const lang = languageOf(req, query.success ? query.data.lang : undefined);
    const params = NoticeParamsSchema.safeParse(req.params);
    if (!params.success) return sendPage(res, { kind: "unknown" }, lang, "/n/");
    const noticePath = `/n/${params.data.publicId}`;
    const found = await deps.notices.lookup(params.data.publicId);
    if (found.status === "unknown") return sendPage(res, { kind: "unknown" }, lang, noticePath);
    if (!query.success)
      return sendPage(
        res,
        {
          kind: "lookup",
          noticePath,
          error: {
            zh: "编号形如 OBJ- 加 10 位字母和数字。",
            en: "A reference looks like OBJ- followed by 10 letters and digits.",
          },
        },
        lang,
        `${noticePath}/objections`,
        400,
      );
    if (query.data.reference !== undefined) {
      res.redirect(303, `${noticePath}/objections/${query.data.reference}?lang=${lang}`);
      return;
    }
    sendPage(res, { kind: "lookup", noticePath }, lang, `${noticePath}/objections`);
  });

  // An objection's status by its reference: the filing day and the decision, nothing of the
  // objector. A reference works only under its own entry's address.
  router.get("/:publicId/objections/:reference", async (req, res) => {
    publicHeaders(res);
    const asJson = wantsJson(req);
    const query = NoticeQuerySchema.safeParse(req.query);
    const lang = languageOf(req, query.success ? query.data.lang : undefined);
    const params = ObjectionStatusParamsSchema.safeParse(req.params);
    const notice = NoticeParamsSchema.safeParse({ publicId: req.params["publicId"] });
    const noticePath = `/n/${notice.success ? notice.data.publicId : ""}`;
    const status = params.success
      ? await deps.objections.status(params.data.publicId, params.data.reference)
      : undefined;
    if (asJson) {
      if (!status) throw new AppError(404, "not_found", said("objection.noReference"));
      res.json({ objection: status });
      return;
    }
    if (!status) return sendPage(res, { kind: "noObjection", noticePath }, lang, noticePath);
    sendPage(
      res,
      { kind: "status", status, noticePath },
      lang,
      `${noticePath}/objections/${status.reference}`,
    );
  });

  return router;
}
