import { describe, expect, it } from "vitest";
import { createUser, type TestUser } from "../support/principals";
import { api, createDistrict, useTestServer, type TestServer } from "../support/testServer";

const BOUNDARY = "----bounds-test";

/** The whole multipart body of a valid import of an export with no rows into `district`. */
function completeForm(district: string): string {
  const part = (name: string, value: string, file?: string) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${
      file ? `; filename="${file}"` : ""
    }\r\n\r\n${value}\r\n`;
  return (
    part("kind", "discredited") +
    part("districtIds", district) +
    part("expiryDate", "2029-12-31") +
    part(
      "file",
      "被执行人姓名/名称,执行法院,案号,发布时间,生效法律文书确定的义务,被执行人的履行情况,失信被执行人行为具体情形\n",
      "export.csv",
    ) +
    `--${BOUNDARY}--\r\n`
  );
}

/**
 * An import whose upload stalls after its first part, as a slow or hostile client's does; `end`
 * finishes the body (with a form the server refuses), `abort` drops the connection.
 */
function stalledImport(t: TestServer, as?: TestUser) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(
        new TextEncoder().encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ndiscredited\r\n`,
        ),
      );
    },
  });
  const abort = new AbortController();
  const init = {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: "half",
    signal: abort.signal,
  } as RequestInit;
  const url = `${t.baseUrl}/api/imports`;
  const answer = (as ? as.fetch(url, init) : api(url, init)).catch((err: unknown) => err);
  return {
    answer,
    end: () => {
      controller.enqueue(new TextEncoder().encode(`--${BOUNDARY}--\r\n`));
      controller.close();
    },
    abort: () => abort.abort(),
  };
}

async function postForm(t: TestServer, as?: TestUser): Promise<Response> {
  const url = `${t.baseUrl}/api/imports`;
  const init: RequestInit = {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
    body: completeForm("bounds"),
  };
  return as ? as.fetch(url, init) : api(url, init);
}

describe("imports are bounded per user and per server", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "bounds");
  });
  const running = () => server().server.app.imports.running();

  it("refuses a second import of one user, and a third of the server, with 429 and Retry-After", async () => {
    const t = server();
    const clerkA = await createUser(t.baseUrl, "ClerkA", [{ role: "operator", scope: "bounds" }]);
    const clerkB = await createUser(t.baseUrl, "ClerkB", [{ role: "operator", scope: "bounds" }]);
    const first = stalledImport(t);
    await expect.poll(running, { timeout: 10_000 }).toBe(1);

    // The same user again: refused at once, before its upload is read.
    const again = await postForm(t);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(0);
    const refusal = (await again.json()) as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe("rate_limited");
    expect(refusal.error.message).toMatch(/^You already have an import running.*\.$/);

    // Another user may import meanwhile; while theirs stalls too, the server is full.
    const meanwhile = await postForm(t, clerkA);
    expect(meanwhile.status, await meanwhile.clone().text()).toBe(200);
    const second = stalledImport(t, clerkA);
    await expect.poll(running, { timeout: 10_000 }).toBe(2);
    const third = await postForm(t, clerkB);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(
      /running 2 imports/,
    );

    // However an import ends — a refused form, a dropped connection — its slot comes back.
    first.end();
    const ended = (await first.answer) as Response;
    expect(ended.status).toBe(400);
    second.abort();
    await second.answer;
    await expect.poll(running, { timeout: 10_000 }).toBe(0);
    expect((await postForm(t)).status).toBe(200);
    expect((await postForm(t, clerkB)).status).toBe(200);
  }, 60_000);
});
