// The live room's page, with the annotation layer of annotations.js on it.
//
// room.js renders the presenter's page (or the page a delegate browses alone)
// through `RoomPageView.show(shown, {region})`, which keeps one image and one
// layer alive across renders. The view has the members the layer expects of
// viewer.js (`root`, `stage`, `sheet`, `page`, `config.sizes`, `ratio()`,
// `wordsCache`, "pagechange" events), so the layer is the same code in both
// places. When the shown document changes, the view asks the server for the
// layer's config (`annotations/config/`, 404 when the user cannot view the
// document: then the page shows without a layer). Room events are forwarded
// to the layer by room.js (`onRoomEvent`); the layer opens no socket.

import { AnnotationLayer, readLabels } from "./annotations.js";
import { PageLinks } from "./page-links.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export class RoomPageView extends EventTarget {
  // configUrl: the config URL of document 0, version 0 (room.html fills it in);
  // linksUrl: the signed page-image URLs of document 0, version 0, when nginx
  // serves page images (page-links.js), else empty.
  constructor(configUrl, linksUrl = "") {
    super();
    this.configUrl = configUrl;
    this.linksUrl = linksUrl;
    this.links = new PageLinks(null);
    this.labels = readLabels();
    this.page = 0;
    this.key = null;
    this.layer = null;
    this.config = { sizes: [] };
    this.wordsCache = new Map();
    this.image = el("img", { class: "page", alt: "", draggable: "false" });
    this.sheet = el("div", { class: "room-sheet" }, this.image);
    this.stage = el("div", { class: "page-frame" }, this.sheet);
    this.link = el("a", { class: "btn room-open-viewer", "data-open-viewer": "", text: this.labels.openViewer || "" });
    this.root = el("div", { class: "room-page" }, this.stage, el("p", { class: "room-page-links" }, this.link));
    // Until the config gives the page sizes, the image gives the page's shape.
    this.image.addEventListener("load", () => { this.fit(); if (this.layer) this.layer.render(); });
    // A signed URL that failed (expired, a revoked grant, no nginx): the same
    // image through Django's check, and a fresh list for the next pages.
    this.image.addEventListener("error", () => {
      if (!this.shown || !this.links.signed(this.image.src)) return;
      this.links.refresh();
      this.image.src = this.shown.src ? `${this.shown.src}?w=800` : "";
    });
    this.bindSwipe();
  }

  // Size the sheet so that the whole page shows in the stage (no scrolling).
  fit() {
    const w = this.stage.clientWidth;
    const h = this.stage.clientHeight;
    if (!w || !h) return;
    const width = Math.floor(Math.min(w, h / this.ratio(this.page)));
    if (this.sheet.style.width !== `${width}px`) {
      this.sheet.style.width = `${width}px`;
      if (this.layer) this.layer.render();
    }
  }

  // A horizontal swipe on the page turns it ("swipe" event, -1 or 1), unless
  // an annotation tool is drawing or the page is pinch-zoomed.
  bindSwipe() {
    let start = null;
    this.stage.addEventListener("pointerdown", (e) => {
      const drawing = this.layer && this.layer.tool && this.layer.tool !== "view";
      const zoomed = window.visualViewport && window.visualViewport.scale > 1.05;
      start = e.isPrimary && e.pointerType !== "mouse" && !drawing && !zoomed ? { x: e.clientX, y: e.clientY, t: Date.now() } : null;
    });
    this.stage.addEventListener("pointercancel", () => { start = null; });
    this.stage.addEventListener("pointerup", (e) => {
      if (!start) return;
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      const quick = Date.now() - start.t < 800;
      start = null;
      if (quick && Math.abs(dx) > 60 && Math.abs(dy) < Math.abs(dx) * 0.6) {
        this.dispatchEvent(new CustomEvent("swipe", { detail: dx < 0 ? 1 : -1 }));
      }
    });
  }

  ratio(page) {
    const size = (this.config.sizes || [])[page - 1];
    if (size && size[0] > 0) return size[1] / size[0];
    const { naturalWidth: w, naturalHeight: h } = this.image;
    return w > 0 ? h / w : 1.414;
  }

  imageSrc(shown) {
    return shown.src ? this.links.url(shown.page, 800, `${shown.src}?w=800`) : "";
  }

  // Show `shown` ({document, version, page, pages, src, title}); return the node.
  show(shown, { region = null, alt = "" } = {}) {
    const key = `${shown.document}-${shown.version}`;
    if (key !== this.key && this.linksUrl) {
      this.links = new PageLinks(this.linksUrl.replace(/\/0\/versions\/0\//, `/${shown.document}/versions/${shown.version}/`));
    }
    this.shown = shown;
    // Another page gets a fresh URL; the same page keeps its image (a signed
    // URL changes every half-lifetime, and re-renders must not reload it).
    if (this.shownSrc !== shown.src) {
      this.shownSrc = shown.src;
      this.image.src = this.imageSrc(shown);
    }
    this.image.alt = alt;
    this.image.dataset.page = String(shown.page);
    if (region) {
      const scale = 1 / Math.max(region.w, region.h);
      this.sheet.style.transformOrigin = "0 0";
      this.sheet.style.transform = `scale(${scale}) translate(${-region.x * 100}%, ${-region.y * 100}%)`;
    } else {
      this.sheet.style.transform = "";
    }
    const viewerUrl = shown.src ? shown.src.replace(/pages\/\d+\/$/, "") : null;
    this.link.hidden = !viewerUrl;
    if (viewerUrl) this.link.href = `${viewerUrl}?page=${shown.page}`;
    if (key !== this.key) {
      this.key = key;
      this.page = shown.page;
      this.attach(shown.document, shown.version);
    } else if (shown.page !== this.page) {
      this.page = shown.page;
      this.fit();
      this.loadWords();
      this.dispatchEvent(new CustomEvent("pagechange", { detail: { page: this.page, pageCount: shown.pages } }));
    }
    return this.root;
  }

  async attach(documentId, version) {
    if (this.layer) this.layer.destroy();
    this.layer = null;
    this.config = { sizes: [] };
    this.wordsCache = new Map();
    const key = this.key;
    const url = this.configUrl.replace(/\/0\/versions\/0\//, `/${documentId}/versions/${version}/`);
    let config;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return; // cannot view it: the page without a layer
      config = await response.json();
    } catch {
      return;
    }
    if (key !== this.key) return; // another document came meanwhile
    this.config = config;
    this.layer = new AnnotationLayer(this, { ...config, roomEvents: true }, this.labels);
    this.root.dataset.annotations = "ready";
    this.loadWords();
  }

  // The highlighter picks words of the page (none on confidential documents).
  async loadWords() {
    const page = this.page;
    if (!this.config.textLayer || !this.config.wordsUrl || this.wordsCache.has(page)) return;
    try {
      const response = await fetch(this.config.wordsUrl.replace("{page}", String(page)), { credentials: "same-origin" });
      if (response.ok) this.wordsCache.set(page, (await response.json()).words || []);
    } catch {
      /* offline: no highlighter on this page for now */
    }
  }

  onRoomEvent(event) {
    if (this.layer) this.layer.onRoomEvent(event);
  }
}
