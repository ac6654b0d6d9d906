// Nghị Sự annotation layer: pen, highlighter, note, text box, eraser on the viewer.
//
// Attaches to the viewer of viewer.js (window.nghisuViewer, made by viewer-page.js)
// through its public API: the "pagechange"/"zoomchange" events, `page`, `sheet`,
// `stage`, `root`, `config` and `wordsCache`. Geometry is kept in fractions of the
// displayed page (0..1), as the server stores it.
//
// The live room (room-viewer.js) attaches the same layer to its follow-the-
// presenter page through a small adapter with the same members, and forwards
// its room events to `onRoomEvent` (config.roomEvents: no socket of its own).
//
// Sharing: new annotations are private unless the user picks a meeting that has
// the document on its agenda; while such a meeting is in progress, the layer
// listens to its room socket (room-socket.js) for "annotation.changed" (with the
// annotation) and "annotation.removed" (the id). The server sends them only to the
// sockets of the annotation's readers (a room may hold people outside its
// audience), without seq; after a reconnect the layer reloads the shown page.
//
// Editing: the author taps a note or text box to change its text (or delete it)
// and drags it to move it; an edit is a save with the next rev, undoable, queued
// like a creation. A save from an older rev is refused ("stale") and the layer
// reloads the annotation from the server.
//
// Saving: every change goes to an outbox in IndexedDB first and is sent at once;
// while the network is down it stays there and is replayed (in order, one flush
// at a time) when the browser comes back online, on the next load, or every few
// seconds. Saves are idempotent on the server (client UUID + rev), so a replay
// never makes duplicates.

import { briefcaseFetch } from "./briefcase-net.js";
import { Outbox, csrfToken, retryLater, sendQueued } from "./outbox.js";
import { RoomSocket } from "./room-socket.js";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#1060d0", "#d0201a", "#1a8a3a", "#ffd400", "#111111"];
const HIGHLIGHT_COLORS = ["#ffd400", "#7ee081", "#7fc8ff", "#ff9ecf"];
const RDP_EPSILON = 0.0012; // in fractions of the page width (~1 px on a tablet)
const RETRY_MS = 5000;

// --- small helpers ----------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const clamp01 = (v) => Math.min(1, Math.max(0, v));
const round5 = (v) => Math.round(v * 1e5) / 1e5;

// Ramer–Douglas–Peucker on [[x, y], ...] (iterative, so long strokes cannot overflow).
export function simplify(points, epsilon = RDP_EPSILON) {
  if (points.length < 3) return points.slice();
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    const [ax, ay] = points[first];
    const [bx, by] = points[last];
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy) || 1e-12;
    let maxDist = 0;
    let index = -1;
    for (let i = first + 1; i < last; i += 1) {
      const [px, py] = points[i];
      const d = Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > maxDist) { maxDist = d; index = i; }
    }
    if (index > 0 && maxDist > epsilon) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

// --- the layer --------------------------------------------------------------------------

export class AnnotationLayer {
  constructor(viewer, config, labels) {
    this.viewer = viewer;
    this.config = config;
    this.L = labels;
    this.tool = "view";
    this.color = COLORS[0];
    this.highlightColor = HIGHLIGHT_COLORS[0];
    this.showOthers = true;
    this.scope = { visibility: "private" };
    this.sockets = [];
    this.stylusSeen = false;
    this.items = new Map(); // id -> annotation (server JSON shape)
    this.loaded = new Set(); // pages fetched from the server
    this.undoStack = [];
    this.redoStack = [];
    this.outbox = new Outbox();
    this.flushing = null;
    this.pending = 0;
    this.build();
    this.bind();
    this.restoreOutbox().then(() => this.flush());
    this.loadAudience();
    this.showPage();
    this.timer = window.setInterval(() => { if (this.pending) this.flush(); }, RETRY_MS);
  }

  // Take the layer off its viewer (the room shows another document; there the
  // layer has no socket of its own, config.roomEvents).
  destroy() {
    window.clearInterval(this.timer);
    this.viewer.removeEventListener("pagechange", this.onPage);
    window.removeEventListener("online", this.onOnline);
    document.removeEventListener("keydown", this.onKey);
    this.overlay.remove();
    this.bar.remove();
    this.dialog.remove();
    this.destroyed = true;
  }

  // --- building -------------------------------------------------------------------------
  build() {
    const L = this.L;
    this.overlay = svg("svg", { class: "ann-overlay", "data-tool": "view", "aria-hidden": "true" });
    this.viewer.sheet.append(this.overlay);
    const bar = el("div", { class: "ann-toolbar", role: "toolbar", "aria-label": L.toolbar });
    this.toolButtons = {};
    if (this.config.canAnnotate) {
      for (const tool of ["view", "pen", "highlight", "note", "freetext", "eraser"]) {
        const button = el("button", {
          type: "button", class: "btn ann-tool", "data-tool": tool, "aria-pressed": String(tool === "view"),
          text: L[tool], onclick: () => this.setTool(tool),
        });
        this.toolButtons[tool] = button;
        bar.append(button);
      }
      this.swatches = el("span", { class: "ann-swatches", role: "group", "aria-label": L.color });
      bar.append(this.swatches);
      this.renderSwatches();
      this.undoButton = el("button", { type: "button", class: "btn", text: L.undo, disabled: "", onclick: () => this.undo() });
      this.redoButton = el("button", { type: "button", class: "btn", text: L.redo, disabled: "", onclick: () => this.redo() });
      bar.append(this.undoButton, this.redoButton);
      this.scopeSelect = el("select", { class: "ann-scope", "aria-label": L.scope, hidden: "" },
        el("option", { value: "private", text: L.private }));
      this.scopeSelect.addEventListener("change", () => {
        const v = this.scopeSelect.value;
        this.scope = v === "private" ? { visibility: "private" } : { visibility: "meeting", meeting: Number(v) };
      });
      bar.append(this.scopeSelect);
    }
    this.othersToggle = el("button", {
      type: "button", class: "btn ann-others", "aria-pressed": "true", text: L.others,
      onclick: () => this.toggleOthers(),
    });
    bar.append(this.othersToggle);
    if (this.config.canExport) {
      bar.append(el("a", { class: "btn", href: this.config.exportUrl, download: "", text: L.export }));
    }
    if (this.config.canAnnotate) {
      bar.append(el("a", { class: "btn", href: this.config.mineUrl, text: L.mine }));
    }
    this.statusNode = el("span", { class: "ann-status muted small", role: "status" });
    bar.append(this.statusNode);
    this.viewer.root.insertBefore(bar, this.viewer.stage);
    this.bar = bar;
    this.dialog = el("dialog", { class: "ann-dialog" });
    document.body.append(this.dialog);
  }

  renderSwatches() {
    const palette = this.tool === "highlight" ? HIGHLIGHT_COLORS : COLORS;
    const current = this.tool === "highlight" ? this.highlightColor : this.color;
    this.swatches.replaceChildren(...palette.map((c) => {
      const b = el("button", {
        type: "button", class: "ann-swatch", "aria-label": `${this.L.color} ${c}`,
        "aria-pressed": String(c === current),
        onclick: () => {
          if (this.tool === "highlight") this.highlightColor = c; else this.color = c;
          this.renderSwatches();
        },
      });
      b.style.background = c;
      return b;
    }));
  }

  bind() {
    this.onPage = () => this.showPage();
    this.viewer.addEventListener("pagechange", this.onPage);
    const o = this.overlay;
    o.addEventListener("pointerdown", (e) => this.onDown(e));
    o.addEventListener("pointermove", (e) => this.onMove(e));
    o.addEventListener("pointerup", (e) => this.onUp(e));
    o.addEventListener("pointercancel", (e) => this.onUp(e, true));
    // While a tool draws, touches must not reach the viewer's swipe-to-turn handler.
    for (const type of ["touchstart", "touchmove", "touchend"]) {
      o.addEventListener(type, (e) => { if (this.tool !== "view") e.stopPropagation(); }, { passive: true });
    }
    this.onOnline = () => this.flush();
    window.addEventListener("online", this.onOnline);
    this.onKey = (e) => {
      if (e.target.closest("input, textarea, [contenteditable]")) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
        e.preventDefault();
        if (e.shiftKey) this.redo(); else this.undo();
      }
    };
    document.addEventListener("keydown", this.onKey);
  }

  setTool(tool) {
    this.tool = tool;
    this.overlay.dataset.tool = tool;
    for (const [name, button] of Object.entries(this.toolButtons)) {
      button.setAttribute("aria-pressed", String(name === tool));
    }
    if (this.swatches) this.renderSwatches();
    if (tool === "highlight" && !this.config.textLayer) this.setStatus(this.L.noText);
  }

  toggleOthers() {
    this.showOthers = !this.showOthers;
    this.othersToggle.setAttribute("aria-pressed", String(this.showOthers));
    this.overlay.classList.toggle("hide-others", !this.showOthers);
  }

  // --- geometry ---------------------------------------------------------------------------
  ratio() { return this.viewer.ratio(this.viewer.page); }

  pageWidthPt() {
    const size = (this.viewer.config.sizes || [])[this.viewer.page - 1];
    return size && size[0] > 0 ? size[0] : 595;
  }

  toPage(e) {
    const box = this.overlay.getBoundingClientRect();
    return [
      round5(clamp01((e.clientX - box.left) / box.width)),
      round5(clamp01((e.clientY - box.top) / box.height)),
    ];
  }

  // --- pointer input ---------------------------------------------------------------------
  onDown(e) {
    if (this.tool === "view") return;
    if (e.pointerType === "pen") this.stylusSeen = true;
    if (e.pointerType === "touch" && this.stylusSeen) {
      // A stylus is in use: a finger scrolls the page instead of drawing.
      this.scrolling = { id: e.pointerId, x: e.clientX, y: e.clientY };
      return;
    }
    e.preventDefault();
    this.overlay.setPointerCapture?.(e.pointerId);
    const point = this.toPage(e);
    this.downPage = this.viewer.page;
    if (this.tool === "pen") {
      const line = svg("polyline", {
        class: "ann-ink", fill: "none", stroke: this.color, "stroke-width": this.inkWidth(),
        "stroke-linecap": "round", "stroke-linejoin": "round",
      });
      this.overlay.append(line);
      this.drawing = { id: e.pointerId, points: [point], line };
      this.drawPoints(line, [point]);
    } else if (this.tool === "highlight") {
      const start = this.wordAt(point);
      if (start < 0) return;
      this.drawing = { id: e.pointerId, start, end: start, preview: svg("g", { class: "ann-preview" }) };
      this.overlay.append(this.drawing.preview);
      this.previewHighlight();
    } else if (this.tool === "eraser") {
      this.drawing = { id: e.pointerId };
      this.eraseAt(e);
    }
  }

  onMove(e) {
    if (this.scrolling && e.pointerId === this.scrolling.id) {
      this.viewer.stage.scrollBy(this.scrolling.x - e.clientX, this.scrolling.y - e.clientY);
      this.scrolling.x = e.clientX;
      this.scrolling.y = e.clientY;
      return;
    }
    const d = this.drawing;
    if (!d || d.id !== e.pointerId) return;
    e.preventDefault();
    if (this.tool === "pen") {
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      for (const ev of events.length ? events : [e]) d.points.push(this.toPage(ev));
      this.drawPoints(d.line, d.points);
    } else if (this.tool === "highlight") {
      const i = this.wordAt(this.toPage(e));
      if (i >= 0 && i !== d.end) { d.end = i; this.previewHighlight(); }
    } else if (this.tool === "eraser") {
      this.eraseAt(e);
    }
  }

  onUp(e, cancelled = false) {
    if (this.scrolling && e.pointerId === this.scrolling.id) { this.scrolling = null; return; }
    const d = this.drawing;
    if (this.tool === "note" || this.tool === "freetext") {
      if (!cancelled && e.type === "pointerup") this.askText(this.toPage(e));
      return;
    }
    if (!d || d.id !== e.pointerId) return;
    this.drawing = null;
    if (this.tool === "pen") {
      d.line.remove();
      const points = simplify(d.points);
      if (points.length === 1) points.push([...points[0]]);
      this.create({
        kind: "ink", color: this.color, page: this.downPage,
        geometry: { strokes: [points], width: this.inkWidth() },
      });
    } else if (this.tool === "highlight") {
      d.preview.remove();
      if (cancelled) return;
      const quads = this.selectedQuads(d.start, d.end);
      if (quads.length) {
        this.create({ kind: "highlight", color: this.highlightColor, page: this.downPage, geometry: { quads } });
      }
    }
  }

  inkWidth() { return 0.004; }

  drawPoints(line, points) {
    const r = this.ratio();
    line.setAttribute("points", points.map(([x, y]) => `${x},${y * r}`).join(" "));
  }

  // --- highlighter over the text layer ---------------------------------------------------------
  words() { return this.viewer.wordsCache.get(this.viewer.page) || []; }

  wordAt([x, y]) {
    const words = this.words();
    let best = -1;
    let bestDist = 0.02; // fraction of the page: a finger is not precise
    words.forEach(([x0, y0, x1, y1], i) => {
      const dx = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
      const dy = y < y0 ? y0 - y : y > y1 ? y - y1 : 0;
      const dist = Math.hypot(dx, dy);
      if (dist < bestDist || (dist === 0 && bestDist === 0)) { best = i; bestDist = dist; }
    });
    if (best < 0 && !words.length) this.setStatus(this.L.noText);
    return best;
  }

  selectedQuads(a, b) {
    const words = this.words().slice(Math.min(a, b), Math.max(a, b) + 1);
    const lines = [];
    for (const [x0, y0, x1, y1] of words) {
      const last = lines[lines.length - 1];
      const mid = (y0 + y1) / 2;
      if (last && mid > last[1] && mid < last[3]) {
        last[0] = Math.min(last[0], x0); last[2] = Math.max(last[2], x1);
        last[1] = Math.min(last[1], y0); last[3] = Math.max(last[3], y1);
      } else {
        lines.push([x0, y0, x1, y1]);
      }
    }
    return lines.map((q) => q.map(round5));
  }

  previewHighlight() {
    const d = this.drawing;
    d.preview.replaceChildren(...this.quadRects(this.selectedQuads(d.start, d.end), this.highlightColor));
  }

  quadRects(quads, color) {
    const r = this.ratio();
    return quads.map(([x0, y0, x1, y1]) => svg("rect", {
      x: x0, y: y0 * r, width: x1 - x0, height: (y1 - y0) * r, fill: color, class: "ann-hl",
    }));
  }

  // --- notes and text boxes ------------------------------------------------------------------
  askText(point, existing = null) {
    const L = this.L;
    const area = el("textarea", { rows: "4", maxlength: "5000", "aria-label": L.noteTitle });
    area.value = existing ? existing.text : "";
    const actions = el("div", { class: "form-actions" },
      el("button", { class: "btn btn-primary", value: "save", text: L.save }),
      el("button", { class: "btn", value: "cancel", text: L.cancel }));
    if (existing) actions.append(el("button", { class: "btn ann-delete", value: "delete", text: L.delete }));
    const form = el("form", { method: "dialog", class: "ann-dialog-form" },
      el("label", { text: existing ? L.editTitle : L.noteTitle }), area, actions);
    this.dialog.replaceChildren(form);
    const tool = this.tool;
    const page = this.viewer.page;
    this.dialog.onclose = () => {
      const text = area.value.trim();
      if (existing && this.dialog.returnValue === "delete") { this.remove(existing); return; }
      if (this.dialog.returnValue !== "save" || !text) return;
      if (existing) {
        if (text !== existing.text) this.edit(existing, { text });
        return;
      }
      if (tool === "note") {
        this.create({ kind: "note", color: this.color, text, page, geometry: { point } });
      } else {
        const [x, y] = point;
        const w = Math.min(0.35, 1 - x);
        const h = Math.min(0.08, 1 - y);
        if (w <= 0.01 || h <= 0.01) return;
        this.create({
          kind: "freetext", color: "#ffffcc", text, page,
          geometry: { rect: [x, y, round5(x + w), round5(y + h)], size: 12 },
        });
      }
    };
    this.dialog.returnValue = "";
    this.dialog.showModal();
    area.focus();
  }

  // --- eraser -----------------------------------------------------------------------------
  eraseAt(e) {
    const target = document.elementFromPoint(e.clientX, e.clientY);
    const node = target && target.closest && target.closest("[data-id]");
    if (!node || node.dataset.mine !== "true") return;
    const item = this.items.get(node.dataset.id);
    if (item && !item.deleted) this.remove(item);
  }

  // --- changes (all undoable) ------------------------------------------------------------
  create(fields) {
    const item = {
      id: uuid4(), page: this.viewer.page, rev: 1, mine: true, text: "",
      ...this.scope, ...fields, deleted: false,
    };
    if (!item.page) item.page = this.viewer.page;
    this.items.set(item.id, item);
    this.render();
    this.push({ op: "create", id: item.id });
    this.send("save", item);
    return item;
  }

  remove(item, record = true) {
    item.deleted = true;
    this.render();
    if (record) this.push({ op: "delete", id: item.id });
    this.send("delete", item);
  }

  restore(item) {
    item.deleted = false;
    this.render();
    this.send("restore", item);
  }

  // Change an annotation's text or geometry: a save with the next rev.
  edit(item, changes, record = true) {
    const before = {};
    for (const key of Object.keys(changes)) before[key] = item[key];
    Object.assign(item, changes);
    item.rev += 1;
    this.render();
    if (record) this.push({ op: "edit", id: item.id, before, after: changes });
    this.send("save", item);
  }

  push(entry) {
    this.undoStack.push(entry);
    this.redoStack = [];
    this.updateUndo();
  }

  undo() {
    const entry = this.undoStack.pop();
    if (!entry) return;
    const item = this.items.get(entry.id);
    if (!item) return;
    if (entry.op === "create") this.remove(item, false);
    else if (entry.op === "edit") this.edit(item, entry.before, false);
    else this.restore(item);
    this.redoStack.push(entry);
    this.updateUndo();
  }

  redo() {
    const entry = this.redoStack.pop();
    if (!entry) return;
    const item = this.items.get(entry.id);
    if (!item) return;
    if (entry.op === "create") this.restore(item);
    else if (entry.op === "edit") this.edit(item, entry.after, false);
    else this.remove(item, false);
    this.undoStack.push(entry);
    this.updateUndo();
  }

  updateUndo() {
    if (!this.undoButton) return;
    this.undoButton.disabled = !this.undoStack.length;
    this.redoButton.disabled = !this.redoStack.length;
  }

  // --- saving ------------------------------------------------------------------------------
  urlFor(op, id) {
    const base = `${this.config.listUrl}${id}/`;
    return op === "save" ? base : `${base}${op}/`;
  }

  async send(op, item) {
    const body = op === "save"
      ? JSON.stringify({
        page: item.page, kind: item.kind, color: item.color, text: item.text,
        geometry: item.geometry, visibility: item.visibility, meeting: item.meeting, rev: item.rev,
      })
      : "";
    await this.outbox.add({
      versionKey: this.config.versionKey, url: this.urlFor(op, item.id), body, op,
      item: op === "save" ? JSON.parse(JSON.stringify(item)) : { id: item.id, page: item.page },
    });
    this.pending += 1;
    this.flush();
  }

  async restoreOutbox() {
    const queued = (await this.outbox.all()).filter((q) => q.versionKey === this.config.versionKey);
    this.pending = queued.length;
    for (const q of queued) {
      if (q.op === "save") this.items.set(q.item.id, { ...q.item, mine: true });
      else if (this.items.has(q.item.id)) this.items.get(q.item.id).deleted = q.op === "delete";
    }
  }

  flush() {
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => { this.flushing = null; });
    }
    return this.flushing;
  }

  async drain() {
    const queued = (await this.outbox.all()).filter((q) => q.versionKey === this.config.versionKey);
    this.pending = queued.length;
    if (!queued.length) { this.setStatus(this.savedOnce ? this.L.saved : ""); return; }
    this.setStatus(this.L.saving);
    let problem = ""; // a refusal stays on screen after the rest is saved
    for (const q of queued) {
      let response;
      try {
        response = await sendQueued(q);
      } catch {
        this.setStatus(this.offlineText());
        return; // offline: try again on "online" or on the timer
      }
      if (retryLater(response)) {
        this.setStatus(this.offlineText());
        return;
      }
      if (!response.ok) {
        let message = "";
        try { message = (await response.json()).message || ""; } catch { /* not JSON */ }
        problem = `${this.L.refused}: ${message}`;
        this.setStatus(problem);
        const local = this.items.get(q.item.id);
        if (q.op === "save" && local && local.rev === q.item.rev) {
          if (q.item.rev > 1) {
            // A refused edit (e.g. made from an older rev): show what the server holds.
            local.rev = 0;
            this.fetchOne(q.item.id);
          } else {
            this.items.delete(q.item.id);
            this.render();
          }
        }
      }
      await this.outbox.remove(q.seq);
      this.pending = Math.max(0, this.pending - 1);
      this.savedOnce = true;
    }
    this.setStatus(problem || this.L.saved);
  }

  // In the room the socket's status is the one connection state on screen:
  // the layer says only how many changes wait.
  offlineText() {
    const label = this.config.roomEvents && this.L.waiting ? this.L.waiting : this.L.offline;
    return label.replace("%(n)s", String(this.pending));
  }

  setStatus(text) {
    this.statusNode.textContent = text || "";
    this.viewer.root.classList.toggle("ann-offline", this.pending > 0);
  }

  // --- sharing and live updates ------------------------------------------------------------
  async loadAudience() {
    let meetings = [];
    let carry = [];
    try {
      const response = await briefcaseFetch(this.config.audienceUrl, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        meetings = data.meetings || [];
        carry = data.carry || [];
      }
    } catch {
      return;
    }
    if (this.config.canAnnotate) for (const offer of carry) this.offerCarry(offer);
    if (this.scopeSelect && meetings.length) {
      for (const m of meetings) {
        this.scopeSelect.append(el("option", { value: String(m.id), text: `${this.L.meetingPrefix} ${m.title}` }));
      }
      this.scopeSelect.hidden = false;
    }
    if (this.config.roomEvents) return; // the room page forwards its own socket's events
    for (const m of meetings.filter((x) => x.live)) this.listen(m.id);
  }

  offerCarry({ version, count }) {
    const text = this.L.carry.replace("%(n)s", String(count)).replace("%(v)s", String(version));
    const button = el("button", { type: "button", class: "btn ann-carry", text });
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const response = await fetch(this.config.carryUrl, {
          method: "POST", credentials: "same-origin", body: JSON.stringify({ from: version }),
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        });
        const data = await response.json();
        if (!response.ok) throw new Error(data.message || "");
        button.remove();
        this.setStatus(this.L.carried.replace("%(n)s", String(data.carried)));
        this.loaded.clear();
        this.showPage();
      } catch (error) {
        button.disabled = false;
        this.setStatus(`${this.L.refused}: ${error.message}`);
      }
    });
    this.bar.insertBefore(button, this.statusNode);
  }

  listen(meetingId) {
    const socket = new RoomSocket(`/ws/meetings/${meetingId}/`).start();
    socket.addEventListener("signal", (e) => this.onRoomEvent(e.detail));
    socket.addEventListener("state", () => this.onRoomEvent({ type: "room.state" }));
    this.sockets.push(socket);
  }

  // Annotation events of the room socket (seq-less, sent to this user's sockets
  // only when they may read the annotation), and "room.state" after a (re)connect.
  onRoomEvent(event) {
    if (this.destroyed) return;
    if (event.type === "room.state") {
      // Events missed while disconnected are not replayed: reload the shown page.
      if (this.loaded.size) {
        this.loaded.clear();
        this.showPage();
      }
      return;
    }
    if (event.document !== this.config.documentId || event.version !== this.config.versionNumber) return;
    if (event.type === "annotation.changed") {
      const a = event.annotation;
      if (!a) return;
      const local = this.items.get(a.id);
      if (local && local.rev >= a.rev) return; // already shown (my own save, or seen)
      this.items.set(a.id, a);
    } else if (event.type === "annotation.removed") {
      const local = this.items.get(event.id);
      if (!local || local.mine) return;
      this.items.delete(event.id);
    } else {
      return;
    }
    this.render();
  }

  async fetchOne(id) {
    let response;
    try {
      response = await fetch(`${this.config.listUrl}${id}/`, { credentials: "same-origin" });
    } catch {
      return; // offline: the page list is fetched again later
    }
    if (this.destroyed) return;
    const local = this.items.get(id);
    if (response.status === 404) {
      if (local && (!local.mine || local.rev === 0)) this.items.delete(id);
    } else if (response.ok) {
      const a = (await response.json()).annotation;
      if (!local || local.rev <= a.rev || !local.mine) this.items.set(a.id, a);
    } else {
      return;
    }
    this.render();
  }

  // --- loading and drawing ---------------------------------------------------------------
  async showPage() {
    const page = this.viewer.page;
    this.render();
    if (this.loaded.has(page)) return;
    try {
      const response = await briefcaseFetch(`${this.config.listUrl}?page=${page}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      const fresh = new Set();
      for (const a of data.annotations) {
        fresh.add(a.id);
        const local = this.items.get(a.id);
        if (!local || local.rev < a.rev) this.items.set(a.id, a);
      }
      // Others' annotations removed (or no longer shared) since this page was loaded.
      for (const [id, item] of this.items) {
        if (item.page === page && !item.mine && !fresh.has(id)) this.items.delete(id);
      }
      this.loaded.add(page);
    } catch {
      return; // offline: what is local is shown
    }
    if (page === this.viewer.page) {
      this.render();
      // The moment bench/annotations.py times: a page's annotations first drawn.
      performance.mark("nghisu:annotations-drawn", { detail: { page } });
    }
  }

  render() {
    const page = this.viewer.page;
    const r = this.ratio();
    this.overlay.setAttribute("viewBox", `0 0 1 ${r}`);
    this.overlay.setAttribute("preserveAspectRatio", "none");
    const nodes = [];
    const widthPt = this.pageWidthPt();
    for (const a of this.items.values()) {
      if (a.page !== page || a.deleted) continue;
      const g = svg("g", { class: `ann ann-${a.kind}`, "data-id": a.id, "data-mine": String(Boolean(a.mine)) });
      if (a.kind === "ink") {
        for (const stroke of a.geometry.strokes) {
          const line = svg("polyline", {
            fill: "none", stroke: a.color, "stroke-width": a.geometry.width || 0.004,
            "stroke-linecap": "round", "stroke-linejoin": "round",
          });
          this.drawPoints(line, stroke);
          g.append(line);
        }
      } else if (a.kind === "highlight") {
        g.append(...this.quadRects(a.geometry.quads, a.color));
      } else if (a.kind === "note") {
        const [x, y] = a.geometry.point;
        const icon = svg("rect", {
          x, y: y * r, width: 0.035, height: 0.035, rx: 0.005, fill: a.color, class: "ann-note-icon",
        });
        const title = svg("title");
        title.textContent = a.author ? `${a.author}: ${a.text}` : a.text;
        icon.append(title);
        if (a.mine && this.config.canAnnotate) this.makeMovable(g, a);
        else icon.addEventListener("click", () => { if (this.tool === "view") this.showNote(a); });
        g.append(icon);
      } else if (a.kind === "freetext") {
        const [x0, y0, x1, y1] = a.geometry.rect;
        // The overlay's user unit is the page width, so CSS pixels inside a
        // foreignObject would be page widths (a 1px border would cover the
        // page): lay the box out 1000 times larger and scale it down.
        const fo = svg("foreignObject", {
          x: 0, y: 0, width: (x1 - x0) * 1000, height: (y1 - y0) * r * 1000,
          transform: `translate(${x0} ${y0 * r}) scale(0.001)`,
        });
        const div = el("div", { class: "ann-freetext-box", text: a.text });
        div.style.fontSize = `${((a.geometry.size || 12) / widthPt) * 1000}px`;
        div.style.background = a.color;
        fo.append(div);
        g.append(fo);
        if (a.mine && this.config.canAnnotate) this.makeMovable(g, a);
      }
      nodes.push(g);
    }
    this.overlay.replaceChildren(...nodes);
    this.overlay.dataset.count = String(nodes.length);
  }

  // The author drags a note or text box to move it, or taps it to edit its text.
  makeMovable(g, a) {
    g.classList.add("ann-movable");
    for (const type of ["touchstart", "touchmove", "touchend"]) {
      g.addEventListener(type, (e) => { if (this.tool === "view") e.stopPropagation(); }, { passive: true });
    }
    g.addEventListener("pointerdown", (e) => {
      if (this.tool !== "view") return;
      e.preventDefault();
      e.stopPropagation();
      g.setPointerCapture?.(e.pointerId);
      const start = this.toPage(e);
      this.dragging = { id: e.pointerId, start, dx: 0, dy: 0 };
    });
    g.addEventListener("pointermove", (e) => {
      const d = this.dragging;
      if (!d || d.id !== e.pointerId) return;
      const [x, y] = this.toPage(e);
      d.dx = x - d.start[0];
      d.dy = y - d.start[1];
      g.setAttribute("transform", `translate(${d.dx} ${d.dy * this.ratio()})`);
    });
    const end = (e) => {
      const d = this.dragging;
      if (!d || d.id !== e.pointerId) return;
      this.dragging = null;
      g.removeAttribute("transform");
      if (e.type === "pointercancel") return;
      if (Math.hypot(d.dx, d.dy) < 0.006) {
        if (a.kind === "note") this.showNote(a); else this.askText(null, a);
        return;
      }
      this.edit(a, { geometry: this.moved(a, d.dx, d.dy) });
    };
    g.addEventListener("pointerup", end);
    g.addEventListener("pointercancel", end);
  }

  moved(a, dx, dy) {
    if (a.kind === "note") {
      const [x, y] = a.geometry.point;
      return { point: [round5(clamp01(x + dx)), round5(clamp01(y + dy))] };
    }
    const [x0, y0, x1, y1] = a.geometry.rect;
    const mx = Math.min(Math.max(dx, -x0), 1 - x1);
    const my = Math.min(Math.max(dy, -y0), 1 - y1);
    return { ...a.geometry, rect: [x0 + mx, y0 + my, x1 + mx, y1 + my].map(round5) };
  }

  showNote(a) {
    if (a.mine && this.config.canAnnotate) { this.askText(null, a); return; }
    const L = this.L;
    this.dialog.replaceChildren(el("form", { method: "dialog", class: "ann-dialog-form" },
      el("p", { class: "muted small", text: a.author || "" }),
      el("p", { class: "ann-note-text", text: a.text }),
      el("div", { class: "form-actions" }, el("button", { class: "btn btn-primary", value: "cancel", text: L.close || L.cancel }))));
    this.dialog.onclose = null;
    this.dialog.showModal();
  }
}

// --- start ------------------------------------------------------------------------------

export function readLabels() {
  const out = {};
  const template = document.getElementById("annotations-labels");
  if (template) {
    for (const node of template.content.querySelectorAll("[data-key]")) out[node.dataset.key] = node.textContent;
  }
  return out;
}

function start() {
  const viewer = window.nghisuViewer;
  const configNode = document.getElementById("annotations-config");
  if (!viewer || !configNode) return false;
  const config = JSON.parse(configNode.textContent);
  window.nghisuAnnotations = new AnnotationLayer(viewer, config, readLabels());
  return true;
}

if (!start()) window.addEventListener("DOMContentLoaded", start, { once: true });
