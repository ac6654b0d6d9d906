// The offline briefcase's storage: one Cache per meeting, named after the
// signed-in user's key ("nghisu-u-<key>-m<meeting>"), filled from the pack the
// server lists (meetings.offline), read by the service worker (sw.js).
//
// Every cache holds, beside the files, PACK_META: the pack's manifest, when it
// was saved, when the server was last reached, and the bytes stored. A pack
// not in contact for `maxAgeHours` is wiped; a document the server no longer
// allows is deleted at the next contact (`sync`).

export const PACK_META = "/__nghisu__/pack.json";
const PARALLEL = 6;
// Tells the service worker (sw.js) to leave these requests to the network.
export const FRESH = { "X-Nghisu-Briefcase": "1" };

export function userKey() {
  return document.querySelector('meta[name="nghisu-offline-key"]')?.content || "";
}

export const cacheName = (key, meetingId) => `nghisu-u-${key}-m${meetingId}`;

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

export function tabletWidth() {
  return Math.round(Math.min(window.innerWidth, screen.width || window.innerWidth) * (window.devicePixelRatio || 1));
}

async function readMeta(cache) {
  const hit = await cache.match(PACK_META);
  return hit ? hit.json() : null;
}

async function writeMeta(cache, meta) {
  await cache.put(PACK_META, new Response(JSON.stringify(meta), {
    headers: { "Content-Type": "application/json" },
  }));
}

const expired = (meta) => Date.now() - meta.lastContact > (meta.maxAgeHours || 72) * 3600e3;

// Delete the caches of other keys (another user, an old session) and expired packs.
export async function sweep(key = userKey()) {
  if (!window.caches) return;
  for (const name of await caches.keys()) {
    if (!name.startsWith("nghisu-u-")) continue;
    if (!key || !name.startsWith(`nghisu-u-${key}-`)) { await caches.delete(name); continue; }
    const meta = await readMeta(await caches.open(name));
    if (!meta || expired(meta)) await caches.delete(name);
  }
}

export async function wipeAll() {
  if (!window.caches) return;
  for (const name of await caches.keys()) if (name.startsWith("nghisu-")) await caches.delete(name);
}

// [{meetingId, meta}] of this user's packs.
export async function listPacks(key = userKey()) {
  if (!window.caches || !key) return [];
  const out = [];
  for (const name of await caches.keys()) {
    const match = name.match(/^nghisu-u-(.+)-m(\d+)$/);
    if (!match || match[1] !== key) continue;
    const meta = await readMeta(await caches.open(name));
    if (meta && !expired(meta)) out.push({ meetingId: Number(match[2]), meta });
  }
  return out;
}

export async function packMeta(meetingId, key = userKey()) {
  if (!window.caches || !key) return null;
  if (!(await caches.has(cacheName(key, meetingId)))) return null;
  const meta = await readMeta(await caches.open(cacheName(key, meetingId)));
  return meta && !expired(meta) ? meta : null;
}

export async function fetchManifest(meetingId) {
  const response = await fetch(`/meetings/${meetingId}/offline/pack/?w=${tabletWidth()}`, {
    credentials: "same-origin", cache: "no-store", headers: FRESH,
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

// One download of a pack at a time, across this browser's tabs (Web Locks;
// within the page where the API is missing): a user's "Tải về" and the
// automatic download or the contact's refresh of the same meeting never fetch
// the same files twice. The second waits (`onWait` is called), then finds what
// the first stored and fetches only the rest.
const held = new Map();

async function oneAtATime(name, onWait, work) {
  if (navigator.locks) {
    const now = await navigator.locks.request(name, { ifAvailable: true }, async (lock) => (lock ? { value: await work() } : null));
    if (now) return now.value;
    onWait();
    return navigator.locks.request(name, work);
  }
  const before = held.get(name);
  if (before) onWait();
  const mine = (before || Promise.resolve()).catch(() => {}).then(work);
  held.set(name, mine);
  try {
    return await mine;
  } finally {
    if (held.get(name) === mine) held.delete(name);
  }
}

// Download every file of `manifest` not stored yet (pages are immutable: their
// URLs carry the version; pages, JSON and minutes are fetched again when
// `refresh` is set). Calls onProgress({done, total, pages, pagesTotal, bytes}).
// Stops at the first network failure, keeping what is stored: calling it
// again resumes. Files no longer in the manifest are deleted.
export function download(manifest, { onProgress = () => {}, onWait = () => {}, refresh = false, key = userKey() } = {}) {
  return oneAtATime(
    `nghisu-pack-${key}-${manifest.meeting.id}`, onWait,
    () => downloadNow(manifest, { onProgress, refresh, key }),
  );
}

async function downloadNow(manifest, { onProgress, refresh, key }) {
  const cache = await caches.open(cacheName(key, manifest.meeting.id));
  const old = (await readMeta(cache)) || {};
  const meta = {
    ...old,
    manifest: { ...manifest, files: undefined },
    files: manifest.files.map((f) => ({ url: f.url, doc: f.doc || null, kind: f.kind })),
    maxAgeHours: manifest.maxAgeHours,
    savedAt: old.savedAt || Date.now(),
    lastContact: Date.now(),
    complete: false,
    bytes: old.bytes || 0,
    sizes: old.sizes || {},
  };
  const wanted = new Set(manifest.files.map((f) => f.url));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname + new URL(request.url).search;
    if (path !== PACK_META && !wanted.has(path)) {
      await cache.delete(request);
      meta.bytes -= meta.sizes[path] || 0;
      delete meta.sizes[path];
    }
  }
  await writeMeta(cache, meta);
  const stats = { done: 0, total: manifest.files.length, pages: 0, pagesTotal: manifest.pages, bytes: 0 };
  const todo = [];
  for (const file of manifest.files) {
    const kept = (file.kind === "page" || !refresh) && (await cache.match(file.url));
    if (kept) {
      if (!(file.url in meta.sizes)) {
        meta.sizes[file.url] = Number(kept.headers.get("Content-Length")) || 0;
        meta.bytes += meta.sizes[file.url];
      }
      stats.done += 1;
      stats.bytes += meta.sizes[file.url];
      if (file.kind === "page") stats.pages += 1;
    } else {
      todo.push(file);
    }
  }
  onProgress({ ...stats });
  let failed = null;
  const worker = async () => {
    while (todo.length && !failed) {
      const file = todo.shift();
      try {
        const response = await fetch(file.url, { credentials: "same-origin", headers: FRESH });
        if (!response.ok) throw new Error(String(response.status));
        const blob = await response.blob();
        await cache.put(file.url, new Response(blob, { status: 200, headers: response.headers }));
        meta.bytes += blob.size - (meta.sizes[file.url] || 0);
        meta.sizes[file.url] = blob.size;
        stats.done += 1;
        stats.bytes += blob.size;
        if (file.kind === "page") stats.pages += 1;
        if (stats.done % 25 === 0) await writeMeta(cache, meta); // resumable if closed
        onProgress({ ...stats });
      } catch (error) {
        failed = error;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  meta.complete = !failed;
  await writeMeta(cache, meta);
  if (failed) throw failed;
  return meta;
}

export async function removePack(meetingId, key = userKey()) {
  return caches.delete(cacheName(key, meetingId));
}

async function dropDocument(cache, meta, docId) {
  for (const file of meta.files.filter((f) => f.doc === docId)) {
    await cache.delete(file.url);
    meta.bytes -= meta.sizes[file.url] || 0;
    delete meta.sizes[file.url];
  }
  meta.files = meta.files.filter((f) => f.doc !== docId);
  meta.manifest.documents = meta.manifest.documents.filter((d) => d.id !== docId);
}

// The contact with the server for one pack: ask what may be kept, delete at
// once what may not, then fetch again what changed. Returns
// "gone" | "current" | "updated" | "offline".
export async function sync(meetingId, { key = userKey(), onProgress } = {}) {
  const cache = await caches.open(cacheName(key, meetingId));
  const meta = await readMeta(cache);
  if (!meta) { await caches.delete(cacheName(key, meetingId)); return "gone"; }
  const held = meta.manifest.documents.map((d) => [d.id, d.version]);
  let answer;
  try {
    const response = await fetch(`/meetings/${meetingId}/offline/check/`, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ documents: held, w: meta.manifest.width }),
    });
    if (response.status === 404 || response.status === 403) answer = { allowed: false };
    else if (!response.ok) return "offline";
    else answer = await response.json();
  } catch {
    return "offline";
  }
  if (!answer.allowed) { await caches.delete(cacheName(key, meetingId)); return "gone"; }
  for (const [docId, verdict] of Object.entries(answer.documents || {})) {
    if (!verdict.keep) await dropDocument(cache, meta, Number(docId));
  }
  meta.lastContact = Date.now();
  meta.maxAgeHours = answer.maxAgeHours || meta.maxAgeHours;
  await writeMeta(cache, meta);
  const stale = Object.values(answer.documents || {}).some((v) => v.keep && !v.current);
  if (answer.stamp === meta.manifest.stamp && !stale && meta.complete) return "current";
  try {
    await download(await fetchManifest(meetingId), { key, refresh: true, onProgress });
  } catch {
    return "offline";
  }
  return "updated";
}
