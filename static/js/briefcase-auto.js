// The briefcase's automatic download (docs/offline.md): when the user chose it
// (<meta name="nghisu-offline-auto">, set from the briefcase page) and the
// tablet is on Wi-Fi or a wired network, the packs of the meetings they are
// invited to in the next seven days (GET /meetings/offline/upcoming/) are
// downloaded in the background with the resumable downloader of
// briefcase-store.js: one meeting at a time (one tab at a time where the Web
// Locks API exists), each at most once per version of the meeting.

import * as store from "./briefcase-store.js";

const DONE_KEY = "nghisu.autoDownloaded"; // {key, done: {meetingId: version}, at}
const LOCK = "nghisu-briefcase-auto";
// A page load asks the server at most this often (the interval, the network
// coming back or turning to Wi-Fi ask at once).
const QUIET_MS = 4 * 60 * 1000;

export const chosen = () => document.querySelector('meta[name="nghisu-offline-auto"]')?.content === "1";

const WIFI_ONLY_KEY = "nghisu.wifiOnlyDevice";

// Where the browser says nothing of the network (no Network Information API:
// Safari on iPad, Firefox) the user may say that this device has no mobile
// network at all (a Wi-Fi-only tablet); kept on this device until sign-out.
export function wifiOnlyDevice() {
  try {
    return localStorage.getItem(WIFI_ONLY_KEY) === "1";
  } catch {
    return false;
  }
}

export function setWifiOnlyDevice(on) {
  try {
    if (on) localStorage.setItem(WIFI_ONLY_KEY, "1");
    else localStorage.removeItem(WIFI_ONLY_KEY);
  } catch { /* private mode: the download stays manual */ }
}

// Wi-Fi or a wired network, as far as the browser says (Network Information
// API). Where `type` is not given (Chromium on Windows, macOS and Linux gives
// only `effectiveType`) the kind of network is unknown: only a
// fast one ('4g' effective type) with Data Saver off counts, so a user who asked
// the browser to save data is never charged. Where the API is missing
// altogether (Safari on iPad, Firefox) the download starts by itself only on a
// device the user said is Wi-Fi-only.
export function onWifi(connection = navigator.connection) {
  if (!connection) return wifiOnlyDevice();
  if (connection.type) return connection.type === "wifi" || connection.type === "ethernet";
  return connection.effectiveType === "4g" && connection.saveData === false;
}

function readSaved(key) {
  try {
    const saved = JSON.parse(localStorage.getItem(DONE_KEY) || "{}");
    return saved.key === key ? saved : {};
  } catch {
    return {};
  }
}

function writeDone(key, done) {
  try {
    localStorage.setItem(DONE_KEY, JSON.stringify({ key, done, at: Date.now() }));
  } catch { /* private mode */ }
}

// Never from the live room: its socket, votes and page images come first on a
// hall's Wi-Fi shared by hundreds of tablets.
const inRoom = () => document.body.classList.contains("room-body");

const canRun = (key) => key && chosen() && !inRoom() && navigator.onLine && onWifi() && window.caches;

async function fetchUpcoming() {
  const response = await fetch("/meetings/offline/upcoming/", {
    credentials: "same-origin", cache: "no-store", headers: store.FRESH,
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

// One pass: download what is missing, in order of start time. A pack already
// complete is kept current by the contact (briefcase.js's syncAll), and one
// downloaded for this version and since removed by the user stays removed.
async function pass(key, { onStatus, onDone }) {
  const { enabled, meetings } = await fetchUpcoming();
  if (!enabled) return;
  const previous = readSaved(key).done || {};
  const done = {};
  for (const m of meetings) if (previous[m.id]) done[m.id] = previous[m.id];
  try {
    for (const m of meetings) {
      if (!canRun(key)) break;
      const meta = await store.packMeta(m.id, key);
      if (meta?.complete) { done[m.id] = m.version; continue; }
      if (done[m.id] === m.version) continue;
      onStatus("running", m);
      await store.download(await store.fetchManifest(m.id), { key });
      done[m.id] = m.version;
      writeDone(key, done);
      onDone(m.id, "updated");
    }
  } finally {
    writeDone(key, done);
    onStatus("idle");
  }
}

let running = null;

// Start a pass unless one runs, the user or the network says no, or (unless
// `soon` is false) one ended less than QUIET_MS ago. Resolves when it ends; a
// dropped connection ends it, and the next pass resumes.
export function run(key, { onStatus = () => {}, onDone = () => {}, soon = false } = {}) {
  if (running) return running;
  if (!canRun(key)) {
    onStatus(chosen() && navigator.onLine && !onWifi() ? "waiting" : "idle");
    return Promise.resolve();
  }
  if (soon && Date.now() - (readSaved(key).at || 0) < QUIET_MS) return Promise.resolve();
  const go = () => pass(key, { onStatus, onDone });
  running = (navigator.locks
    ? navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? go() : null))
    : go()
  ).catch(() => onStatus("idle")).finally(() => { running = null; });
  return running;
}
