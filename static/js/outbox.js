// The annotation outbox: every change a user makes to an annotation is put in
// IndexedDB ("nghisu-annotations") first and sent from there, so nothing is
// lost while the network is down. annotations.js fills and drains it for the
// document on screen; `sendAll` sends what every document left behind (before
// sign-out, whose Clear-Site-Data wipes this database: docs/offline.md).

export function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

export class Outbox {
  constructor(name = "nghisu-annotations") {
    this.ready = new Promise((resolve) => {
      if (!window.indexedDB) { resolve(null); return; }
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
    this.memory = []; // fallback when IndexedDB is unavailable
    this.nextSeq = 1;
  }

  async tx(mode, fn) {
    const db = await this.ready;
    if (!db) return fn(null);
    return new Promise((resolve, reject) => {
      const t = db.transaction("outbox", mode);
      const result = fn(t.objectStore("outbox"));
      t.oncomplete = () => resolve(result.value);
      t.onerror = () => reject(t.error);
    });
  }

  async add(item) {
    const db = await this.ready;
    if (!db) { this.memory.push({ ...item, seq: this.nextSeq++ }); return; }
    await this.tx("readwrite", (store) => { store.add(item); return {}; });
  }

  async all() {
    const db = await this.ready;
    if (!db) return this.memory.slice();
    return this.tx("readonly", (store) => {
      const out = { value: [] };
      store.getAll().onsuccess = (e) => { out.value = e.target.result; };
      return out;
    });
  }

  async remove(seq) {
    const db = await this.ready;
    if (!db) { this.memory = this.memory.filter((i) => i.seq !== seq); return; }
    await this.tx("readwrite", (store) => { store.delete(seq); return {}; });
  }
}

// Send one queued change; throws when the network is down.
export function sendQueued(q) {
  return fetch(q.url, {
    method: "POST", credentials: "same-origin", body: q.body || undefined,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
  });
}

// The server could not take it now: keep it and try again later.
export const retryLater = (response) => response.status >= 500 || response.status === 429;

// How many annotations have changes waiting (an annotation edited twice counts once).
export async function countUnsent(outbox = new Outbox()) {
  return new Set((await outbox.all()).map((q) => q.item?.id ?? `#${q.seq}`)).size;
}

// Send everything queued, in order, stopping at the first failure of the
// network or the server; a change the server refuses is dropped (it would be
// refused again). Saves are idempotent (client UUID + rev), so a change the
// page's own layer sends at the same time is not doubled. Returns how many
// annotations are left with changes unsent.
export async function sendAll(outbox = new Outbox()) {
  for (const q of await outbox.all()) {
    let response;
    try {
      response = await sendQueued(q);
    } catch {
      break;
    }
    if (retryLater(response)) break;
    await outbox.remove(q.seq);
  }
  return countUnsent(outbox);
}
