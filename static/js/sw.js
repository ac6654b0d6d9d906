// Nghị Sự service worker (served at /sw.js by nghisu.pwa, which prepends `NGHISU`:
// { version, shell: [static URLs], staticPrefix, maxAgeHours }).
//
// - The app shell (CSS, JS, fonts, icons: nothing of any user) is kept in
//   "nghisu-shell-<version>" and served from there first.
// - Online, this worker is kept out of the way (its cost is budgeted,
//   bench/offline.py): where the browser has static routing (addRoutes), the
//   shell comes from its cache and every other request but a navigation goes
//   to the network without starting the worker; navigations race the network
//   against it, and it answers only when the network cannot.
// - A page that wants a stored copy asks for it under /__briefcase__/
//   (static/js/briefcase-net.js): those requests always come here and are
//   answered from the signed-in user's briefcase, else from the network. The
//   briefcase is the caches named "nghisu-u-<key>-m<meeting>" that
//   static/js/briefcase.js fills. The key is the one the page hands over
//   ({type: "key"}); caches of any other key are never read, and are deleted.
// - Without static routing the worker sees every request: network first, the
//   briefcase when the network fails.
// - A briefcase not in contact with the server for `maxAgeHours` is deleted
//   instead of served. {type: "wipe"} (sign-out) deletes every cache.
// - A cached page the server now answers 404 is deleted at once (revocation),
//   where the worker sees the answer; everywhere, the contact check deletes it.
/* global NGHISU */

const SHELL = `nghisu-shell-${NGHISU.version}`;
const META = "nghisu-meta";
const KEY_URL = "/__nghisu__/key";
const PACK_META = "/__nghisu__/pack.json";
let currentKey = null;

const ROUTED_URL = "/__nghisu__/routed";
const BRIEFCASE_PREFIX = "/__briefcase__";
let routed = null;

// The static routes, set once at install; the bench reads ROUTED_URL to know
// which browsers measured it. Only GET requests may be answered from a copy;
// the rest go to the network too.
async function addRoutes(event) {
  let ok = false;
  if (event.addRoutes) {
    const shell = {
      condition: { urlPattern: new URLPattern({ pathname: `${NGHISU.staticPrefix}*` }) },
      source: { cacheName: SHELL },
    };
    const briefcase = {
      condition: { urlPattern: new URLPattern({ pathname: `${BRIEFCASE_PREFIX}/*` }) },
      source: "fetch-event",
    };
    const navigation = {
      condition: { requestMode: "navigate", requestMethod: "GET" },
      source: "race-network-and-fetch-handler",
    };
    const rest = { condition: { requestMethod: "GET" }, source: "network" };
    const writes = { condition: { not: { requestMethod: "GET" } }, source: "network" };
    // Browsers without the "not" condition still route every GET.
    for (const rules of [[shell, briefcase, navigation, rest, writes], [shell, briefcase, navigation, rest]]) {
      try {
        await event.addRoutes(rules);
        ok = true;
        break;
      } catch {
        ok = false;
      }
    }
  }
  routed = ok;
  await (await caches.open(META)).put(ROUTED_URL, new Response(ok ? "1" : "0"));
}

async function isRouted() {
  if (routed === null) {
    const stored = await (await caches.open(META)).match(ROUTED_URL);
    routed = stored ? (await stored.text()) === "1" : false;
  }
  return routed;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    addRoutes(event)
      .then(() => caches.open(SHELL))
      .then((cache) => cache.addAll(NGHISU.shell))
      .catch(() => { /* a partial shell is still a shell: the rest fills on use */ })
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("nghisu-shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function userKey() {
  if (currentKey !== null) return currentKey;
  const stored = await (await caches.open(META)).match(KEY_URL);
  currentKey = stored ? await stored.text() : "";
  return currentKey;
}

async function setKey(key) {
  if ((key || "") === (await userKey())) return; // every page says it: write once
  currentKey = key || "";
  memo = { at: 0, key: null, list: null };
  const meta = await caches.open(META);
  await meta.put(KEY_URL, new Response(currentKey));
  // Another user's (or another session's) briefcase never stays beside this one.
  for (const name of await caches.keys()) {
    if (name.startsWith("nghisu-u-") && !name.startsWith(`nghisu-u-${currentKey}-`)) {
      await caches.delete(name);
    }
  }
}

async function wipe() {
  currentKey = "";
  memo = { at: 0, key: null, list: null };
  for (const name of await caches.keys()) {
    if (name.startsWith("nghisu-")) await caches.delete(name);
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  let work = Promise.resolve();
  if (data.type === "key") work = setKey(String(data.key || ""));
  else if (data.type === "wipe") work = wipe();
  else if (data.type === "unreachable") unreachableUntil = Number(data.until) || 0;
  event.waitUntil(work.then(() => event.ports[0]?.postMessage({ done: true })));
});

// The user's briefcases still within their time without contact; expired ones
// go. Kept in memory for a few seconds: a page load asks for many files.
let memo = { at: 0, key: null, list: null };
const MEMO_MS = 5000;

async function userCaches() {
  const key = await userKey();
  if (!key) return [];
  if (memo.key === key && memo.list && Date.now() - memo.at < MEMO_MS) return memo.list;
  memo = { at: Date.now(), key, list: await findCaches(key) };
  return memo.list;
}

async function findCaches(key) {
  const prefix = `nghisu-u-${key}-`;
  const out = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith(prefix)) continue;
    const cache = await caches.open(name);
    const meta = await cache.match(PACK_META);
    const info = meta ? await meta.json() : null;
    const hours = (info && info.maxAgeHours) || NGHISU.maxAgeHours;
    if (!info || Date.now() - info.lastContact > hours * 3600e3) {
      await caches.delete(name);
      continue;
    }
    out.push(cache);
  }
  return out;
}

async function fromBriefcase(request) {
  const list = await userCaches();
  const options = { ignoreVary: true };
  for (const cache of list) {
    const hit = await cache.match(request.url, options);
    if (hit) return hit;
  }
  // Another width of the same page image, or the whole annotation list for ?page=.
  for (const cache of list) {
    const hit = await cache.match(request.url, { ...options, ignoreSearch: true });
    if (hit) return hit;
  }
  if (request.mode === "navigate") {
    for (const cache of list) {
      const hit = await cache.match("/meetings/offline/", options);
      if (hit) return hit;
    }
  }
  return null;
}

async function forget(url) {
  for (const cache of await userCaches()) await cache.delete(url, { ignoreVary: true });
}

function offlineAnswer(request) {
  if (request.mode === "navigate") {
    return new Response(
      "<!DOCTYPE html><meta charset=utf-8><title>Nghị Sự</title>"
      + "<h1>Không có mạng</h1><p>Trang này chưa được tải về máy.</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
    );
  }
  return new Response("", { status: 503, statusText: "Offline" });
}

async function networkFirst(event) {
  const { request } = event;
  try {
    const response = await fetch(request);
    if (response.status === 404) event.waitUntil(forget(request.url));
    return response;
  } catch (error) {
    return (await fromBriefcase(request)) || offlineAnswer(request);
  }
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    return await fetch(request);
  } catch (error) {
    return (await cache.match(request, { ignoreSearch: true })) || offlineAnswer(request);
  }
}

// Set by the page when the server did not answer although the browser thinks it
// is online (a hall's Wi-Fi up, its server unreachable): until then the
// briefcase answers (the window is the page's, static/js/briefcase-net.js).
let unreachableUntil = 0;

// A navigation raced against the network: the worker answers only when the
// network cannot (offline, or the server reported unreachable).
async function offlineNavigation(request) {
  return (await fromBriefcase(request)) || offlineAnswer(request);
}

// /__briefcase__/<path>: the stored copy of <path>, else the network's answer.
async function briefcaseFirst(url, request) {
  const original = new Request(`${url.origin}${url.pathname.slice(BRIEFCASE_PREFIX.length)}${url.search}`, {
    credentials: "same-origin",
    headers: request.headers,
  });
  const hit = await fromBriefcase(original);
  if (hit) return hit;
  try {
    return await fetch(original);
  } catch (error) {
    return offlineAnswer(original);
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(`${BRIEFCASE_PREFIX}/`)) {
    event.respondWith(briefcaseFirst(url, request));
    return;
  }
  if (url.pathname === "/sw.js" || url.pathname.startsWith("/admin/")) return;
  // The briefcase's own downloads and checks want the server, never a copy.
  if (request.headers.get("X-Nghisu-Briefcase")) return;
  const isStatic = url.pathname.startsWith(NGHISU.staticPrefix);
  // With the routes only navigations come here, raced against the network.
  // Until the flag is read after a restart, assume the routes (never a second
  // fetch); a shell file then still comes from the shell.
  if (routed !== false) {
    if (navigator.onLine && Date.now() > unreachableUntil) return; // the network's
    event.respondWith(isStatic ? shellFirst(request) : offlineNavigation(request));
    return;
  }
  event.respondWith(isStatic ? shellFirst(request) : networkFirst(event));
});

isRouted(); // known before the first request after the worker starts, mostly
