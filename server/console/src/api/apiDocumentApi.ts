import { ApiDocumentSchema, type ApiDocument } from "../../../../shared/schemas/apiDescription";
import { request } from "../lib/api";

/** Where the server serves its OpenAPI document. */
export const API_DOCUMENT_URL = "/api/openapi.json";

/** The server's API description. */
export function fetchApiDocument(): Promise<ApiDocument> {
  return request(API_DOCUMENT_URL, ApiDocumentSchema);
}
