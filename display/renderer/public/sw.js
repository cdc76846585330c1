// The browser display's offline shell. A display opened in a browser (not the Electron kiosk,
// which bundles its files) must come back after a reload or a power cut while the server is
// down: this worker serves the display's own files — the page, its script, styles and fonts —
// from a cache, and the page then plays from its own IndexedDB and reconnects by itself.
// Network first, so a server update reaches the screen on the next load; only this folder's
// files are cached: never a photo, an API answer or anything a takedown must be able to reach.
const CACHE = "display-shell-v1";

/** The page and the assets its HTML names, fetched fresh and kept; other cached assets go. */
async function keepShell() {
  const response = await fetch("./", { cache: "no-cache" });
  if (!response.ok) return;
  const html = await response.clone().text();
  const cache = await caches.open(CACHE);
  await cache.put("./", response);
  const named = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map(
    (m) => new URL(m[1], self.registration.scope).href,
  );
  await cache.addAll(named);
  // Assets of an older build are not named any more: dropped (fonts are kept, they are shared).
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (url.pathname.includes("/assets/index-") && !named.includes(url.href))
      await cache.delete(request);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(keepShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const scope = new URL(self.registration.scope);
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (url.pathname === new URL("sw.js", scope).pathname) return;
  event.respondWith(
    (async () => {
      const cachedCopy = () =>
        caches.match(request.mode === "navigate" ? new URL("./", scope).href : request, {
          ignoreSearch: true,
        });
      try {
        const response = await fetch(request);
        // Behind a reverse proxy a server that is down answers 502–504: the same as no answer.
        if (response.status >= 500) return (await cachedCopy()) ?? response;
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          event.waitUntil(
            caches
              .open(CACHE)
              .then((cache) => cache.put(request.mode === "navigate" ? "./" : request, copy)),
          );
        }
        return response;
      } catch (err) {
        const cached = await cachedCopy();
        if (cached) return cached;
        throw err;
      }
    })(),
  );
});
