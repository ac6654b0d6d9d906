// The offline briefcase on every page of a signed-in user (docs/offline.md):
// registers the service worker and hands it the user's key, sends the unsent
// annotations and wipes everything at sign-out, shows the "offline since"
// banner, checks the stored packs with the server at every contact, downloads
// the upcoming meetings by itself when the user chose so (briefcase-auto.js),
// and drives the meeting page's "Tải về để đọc offline" card and the briefcase
// page's list.

import * as auto from "./briefcase-auto.js";
import { setReachable } from "./briefcase-net.js";
import * as store from "./briefcase-store.js";
import { Outbox, countUnsent, sendAll } from "./outbox.js";

const labelsNode = document.getElementById("offline-labels");
const L = labelsNode ? JSON.parse(labelsNode.textContent) : {};
const SINCE_KEY = "nghisu.offlineSince";
const key = store.userKey();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

const fmt = (text, values) => Object.entries(values).reduce(
  (out, [name, value]) => out.replaceAll(`{${name}}`, String(value)), text || "",
);
const mb = (bytes) => (bytes / 1048576).toLocaleString("vi-VN", { maximumFractionDigits: 1 });
const when = (ms) => new Date(ms).toLocaleString("vi-VN", {
  hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit",
});

// --- the service worker -----------------------------------------------------------------

// A page the worker already controls costs it nothing more: no register()
// (a round trip to the browser process on every load) and the key handed over
// once per tab and worker, not on every page.
const KEY_SENT = "nghisu.workerKey";

async function startWorker() {
  if (!("serviceWorker" in navigator) || !key) return;
  const controller = navigator.serviceWorker.controller;
  const sent = `${key}:${controller?.scriptURL || ""}`;
  try {
    if (controller && sessionStorage.getItem(KEY_SENT) === sent) return;
  } catch { /* private mode: hand it over again */ }
  try {
    if (!controller) await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    registration.active?.postMessage({ type: "key", key });
    if (controller) sessionStorage.setItem(KEY_SENT, sent);
  } catch {
    /* no worker (private mode, old browser): pages still work online */
  }
}

async function tellWorker(message) {
  const registration = await navigator.serviceWorker?.getRegistration?.();
  const worker = registration?.active;
  if (!worker) return;
  await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    worker.postMessage(message, [channel.port2]);
    window.setTimeout(resolve, 1000);
  });
}

// Sign-out wipes everything on this device (here, in the worker, and by the
// server's Clear-Site-Data), the annotation outbox included: first send it
// (when online), and if changes are left unsent, say so and let the user stay.
async function unsentAnnotations() {
  const layer = window.nghisuAnnotations; // the document on screen, if any
  const outbox = layer?.outbox || new Outbox();
  if (!navigator.onLine) return countUnsent(outbox);
  try { await layer?.flush?.(); } catch { /* sendAll tries again */ }
  return sendAll(outbox);
}

function confirmLosing(count) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "confirm-dialog", "aria-labelledby": "unsent-text" });
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(
      el("p", { id: "unsent-text", text: fmt(L.unsent, { n: count }) }),
      el("div", { class: "row" },
        el("button", { type: "button", class: "btn btn-primary", text: L.signOutAnyway, onclick: () => close(true) }),
        el("button", { type: "button", class: "btn", text: L.cancel, onclick: () => close(false) })),
    );
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector(".btn:not(.btn-primary)").focus();
  });
}

for (const form of document.querySelectorAll('form[action$="/accounts/logout/"]')) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.wiped) return;
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    try {
      let left = 0;
      try { left = await unsentAnnotations(); } catch { /* no IndexedDB: nothing kept */ }
      if (left && !(await confirmLosing(left))) return;
      await Promise.allSettled([store.wipeAll(), tellWorker({ type: "wipe" })]);
      try { localStorage.removeItem(SINCE_KEY); } catch { /* private mode */ }
      form.dataset.wiped = "1";
      form.submit();
    } finally {
      delete form.dataset.busy;
    }
  });
}

// --- the offline banner --------------------------------------------------------------------

const banner = document.querySelector("[data-offline-banner]");

function showBanner() {
  if (!banner) return;
  if (navigator.onLine) {
    banner.hidden = true;
    try { localStorage.removeItem(SINCE_KEY); } catch { /* private mode */ }
    return;
  }
  let since = Number(localStorage.getItem(SINCE_KEY));
  if (!since) {
    since = Date.now();
    try { localStorage.setItem(SINCE_KEY, String(since)); } catch { /* private mode */ }
  }
  banner.querySelector("[data-offline-text]").textContent = fmt(L.offlineSince, { when: when(since) });
  banner.hidden = false;
}

// --- contact with the server --------------------------------------------------------------

const listeners = new Set();
let syncing = null;

function syncAll() {
  if (!syncing && navigator.onLine && key && window.caches) {
    syncing = (async () => {
      await store.sweep(key);
      for (const { meetingId } of await store.listPacks(key)) {
        const result = await store.sync(meetingId, { key });
        // Online but no answer: the briefcase serves meanwhile (the pages ask
        // it first; the worker answers navigations from it).
        tellWorker({ type: "unreachable", until: setReachable(result !== "offline") });
        for (const listener of listeners) listener(meetingId, result);
      }
    })().finally(() => { syncing = null; });
  }
  return syncing;
}

// --- the automatic download --------------------------------------------------------------

const autoStatus = document.querySelector("[data-auto-status]");

function runAuto({ soon = false } = {}) {
  return auto.run(key, {
    soon,
    onStatus: (state, meeting) => {
      if (!autoStatus) return;
      autoStatus.textContent = state === "running" ? fmt(L.autoRunning, { title: meeting.title })
        : state === "waiting" ? L.autoWaiting : "";
    },
    onDone: (meetingId, result) => { for (const listener of listeners) listener(meetingId, result); },
  });
}

// At most one of these at a time: the contact first (it keeps what is held
// current), then the automatic download of what is missing.
let background = null;
function contact({ soon = false } = {}) {
  if (!background) {
    background = (async () => { await syncAll(); await runAuto({ soon }); })()
      .finally(() => { background = null; });
  }
  return background;
}

// --- the meeting page's card ------------------------------------------------------------------

function bindCard(card) {
  const meetingId = Number(card.dataset.meeting);
  const status = card.querySelector("[data-briefcase-status]");
  const bar = card.querySelector("progress");
  const actions = card.querySelector("[data-briefcase-actions]");
  let busy = false;

  const button = (text, onclick, primary = false) => el(
    "button", { type: "button", class: primary ? "btn btn-primary" : "btn", text, onclick },
  );

  async function show() {
    if (busy) return;
    const meta = await store.packMeta(meetingId, key);
    bar.hidden = true;
    actions.replaceChildren();
    if (!meta) {
      status.textContent = L.notSaved;
      if (navigator.onLine) actions.append(button(L.download, offer, true));
      return;
    }
    const pages = meta.files.filter((f) => f.kind === "page").length;
    status.textContent = fmt(meta.complete ? L.saved : L.partial, {
      pages, mb: mb(meta.bytes), when: when(meta.lastContact),
    });
    if (navigator.onLine) actions.append(button(meta.complete ? L.update : L.resume, () => start(null), !meta.complete));
    actions.append(button(L.remove, async () => { await store.removePack(meetingId, key); show(); }));
  }

  async function offer() {
    actions.replaceChildren();
    status.textContent = L.measuring;
    let manifest;
    try {
      manifest = await store.fetchManifest(meetingId);
    } catch {
      status.textContent = L.failed;
      show();
      return;
    }
    let text = fmt(L.total, { pages: manifest.pages, mb: mb(manifest.totalBytes), docs: manifest.documents.length });
    if (manifest.excluded.length) text += ` ${fmt(L.excluded, { n: manifest.excluded.length })}`;
    status.textContent = text;
    actions.append(button(L.start, () => start(manifest), true), button(L.cancel, show));
  }

  async function start(given) {
    busy = true;
    actions.replaceChildren();
    bar.hidden = false;
    let manifest = given;
    try {
      manifest = manifest || (await store.fetchManifest(meetingId));
      bar.max = manifest.files.length;
      await store.download(manifest, {
        key,
        refresh: !given,
        onWait: () => { status.textContent = L.waitOther; },
        onProgress: (p) => {
          bar.value = p.done;
          status.textContent = fmt(L.progress, {
            pages: p.pages, pagesTotal: p.pagesTotal, mb: mb(p.bytes), mbTotal: mb(manifest.totalBytes),
          });
        },
      });
      busy = false;
      await show();
    } catch {
      busy = false;
      await show();
      status.textContent = `${status.textContent} ${L.interrupted}`;
    }
  }

  listeners.add((id) => { if (id === meetingId) show(); });
  addEventListener("online", show);
  addEventListener("offline", show);
  show();
}

// --- the briefcase page ------------------------------------------------------------------------

async function drawList(list) {
  const packs = await store.listPacks(key);
  list.replaceChildren();
  list.closest("section")?.querySelector("[data-briefcase-empty]")?.toggleAttribute("hidden", packs.length > 0);
  for (const { meetingId, meta } of packs) {
    const m = meta.manifest.meeting;
    const docs = el("ul", { class: "docs" }, ...meta.manifest.documents.map(
      (d) => el("li", {}, el("a", { href: d.url, text: d.title })),
    ));
    const remove = el("button", {
      type: "button", class: "btn", text: L.remove,
      onclick: async () => { await store.removePack(meetingId, key); drawList(list); },
    });
    list.append(el(
      "li", { class: "briefcase-pack", "data-pack": String(meetingId) },
      el("div", { class: "row" },
        el("span", { class: "grow" }, el("a", { href: m.url }, el("strong", { text: m.title })), el("br"),
          el("span", { class: "muted small", text: fmt(L.saved, {
            pages: meta.files.filter((f) => f.kind === "page").length,
            mb: mb(meta.bytes), when: when(meta.lastContact),
          }) })),
        remove),
      docs,
    ));
  }
}

// --- start ------------------------------------------------------------------------------------------

startWorker();
showBanner();
addEventListener("offline", showBanner);
addEventListener("online", () => { showBanner(); contact(); });
navigator.connection?.addEventListener?.("change", () => contact());
for (const card of document.querySelectorAll("[data-briefcase]")) bindCard(card);
// Where the browser says nothing of the network, the user may say the device
// is Wi-Fi-only (briefcase-auto.js).
const wifiOnly = document.querySelector("[data-wifi-only]");
if (wifiOnly && !navigator.connection) {
  const box = wifiOnly.querySelector("[data-wifi-only-box]");
  box.checked = auto.wifiOnlyDevice();
  box.addEventListener("change", () => {
    auto.setWifiOnlyDevice(box.checked);
    if (box.checked) contact();
  });
  wifiOnly.hidden = false;
}
const list = document.querySelector("[data-briefcase-list]");
if (list) {
  drawList(list);
  listeners.add(() => drawList(list));
}
if (key) {
  // The briefcase page (where the choice is made) always asks at once.
  store.sweep(key).then(() => contact({ soon: !autoStatus }));
  window.setInterval(() => contact(), 5 * 60 * 1000);
}
window.nghisuBriefcase = { store, syncAll, runAuto };
