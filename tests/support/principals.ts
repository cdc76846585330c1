import type { RoleGrant } from "../../shared/schemas/account";
import { api, signIn } from "./testServer";

/** A console user made for a test, signed in. */
export interface TestUser {
  id: string;
  email: string;
  password: string;
  cookie: string;
  /** fetch as this user (Origin set, this user's session cookie). */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** POSTs JSON as this user. */
  post(url: string, body: unknown): Promise<Response>;
}

/** fetch with a given session cookie (and the Origin the CSRF check wants). */
export function fetchAs(cookie: string) {
  return (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set("Cookie", cookie);
    return api(url, { ...init, headers });
  };
}

let counter = 0;

/**
 * Creates a user with these roles through the admin API (as the default admin) with a chosen
 * password, so no change is forced, and signs them in.
 */
export async function createUser(
  baseUrl: string,
  name: string,
  roles: RoleGrant[],
): Promise<TestUser> {
  counter += 1;
  const email = `${name.toLowerCase()}-${counter}@example.test`;
  const password = `long enough password ${counter}`;
  const res = await api(`${baseUrl}/api/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, displayName: name, roles, password }),
  });
  if (res.status !== 201) throw new Error(`creating ${email}: ${res.status} ${await res.text()}`);
  const { user } = (await res.json()) as { user: { id: string } };
  const cookie = await signIn(baseUrl, email, password);
  const f = fetchAs(cookie);
  return {
    id: user.id,
    email,
    password,
    cookie,
    fetch: f,
    post: (url, body) =>
      f(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
  };
}
