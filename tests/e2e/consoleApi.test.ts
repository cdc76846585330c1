import { describe, expect, it } from "vitest";
import { ApiDocumentSchema } from "../../shared/schemas/apiDescription";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser } from "../support/principals";
import { api, createDistrict, useTestServer } from "../support/testServer";

const ui = useConsoleBrowser();

describe("API page", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "xigang"));

  it("lists every operation of the API description by group, with who may call it and its fields", async () => {
    const t = server();
    const doc = ApiDocumentSchema.parse(
      await (await api(`${t.baseUrl}/api/openapi.json`, { anonymous: true })).json(),
    );
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    // An operator opens it too: the description is public, the page is every user's.
    const operator = await createUser(t.baseUrl, "Operator", [
      { role: "operator", scope: "xigang" },
    ]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#api" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "API");
    await expect
      .poll(() => page.locator("details.api-op").count(), { timeout: 10_000 })
      .toBe(operations.length);
    const groups = await page.getByRole("heading", { level: 2 }).allTextContents();
    expect(groups).toEqual(doc.tags.map((tag) => tag.name));

    // One operation, unfolded: its permission and roles, its path parameter and body field.
    const approve = page.locator("details.api-op", {
      has: page.locator("code.api-path", { hasText: /^\/api\/entries\/\{id\}\/approve$/ }),
    });
    await approve.locator("summary").click();
    await expect
      .poll(() => approve.textContent())
      .toContain("entry.approve, held by: moderator, admin");
    const fields = await approve.getByRole("rowheader").allTextContents();
    expect(fields).toEqual(["id", "revision"]);
    expect(await approve.textContent()).toContain("four_eyes");

    // The raw document is one link away.
    const raw = page.getByRole("link", { name: "Open the OpenAPI document (JSON)" });
    expect(await raw.getAttribute("href")).toBe("/api/openapi.json");

    // Finding narrows the list to what matches.
    await page.getByLabel("Find an operation").fill("kiosk-releases");
    await expect
      .poll(() => page.locator("code.api-path").allTextContents())
      .toEqual(
        Object.keys(doc.paths)
          .filter((p) => p.includes("kiosk-releases"))
          .flatMap((p) => Object.keys(doc.paths[p] ?? {}).map(() => p)),
      );
    await page.getByLabel("Find an operation").fill("");

    await approve.locator("summary").click();
    await page.locator("details.api-op").nth(3).locator("summary").click();
    await checkBothLanguages(page, "api", { zh: "API", en: "API" }, async (lang) => {
      await expect
        .poll(() =>
          page
            .locator("details[open]")
            .getByText(lang === "zh" ? "调用者" : "Who may call", { exact: true })
            .first()
            .isVisible(),
        )
        .toBe(true);
    });
  }, 180_000);
});
