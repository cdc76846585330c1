import type { RequestHandler } from "express";
import { serveOpenApiDocument, type ServedDocument } from "./document";

/**
 * GET /api/openapi.json: the API description, public (it says what the API is, never what it
 * holds), built on first request and revalidated by its ETag. Any origin may read it, so API
 * tools elsewhere can load it.
 */
export function openApiRoute(version: string): RequestHandler {
  let served: ServedDocument | undefined;
  return (req, res) => {
    served ??= serveOpenApiDocument(version);
    res.setHeader("ETag", served.etag);
    res.setHeader("Cache-Control", "public, no-cache");
    res.setHeader("Access-Control-Allow-Origin", "*");
    const held = req.headers["if-none-match"];
    if (held !== undefined && held.split(/\s*,\s*/).includes(served.etag)) {
      res.status(304).end();
      return;
    }
    res.type("application/json").send(served.body);
  };
}
