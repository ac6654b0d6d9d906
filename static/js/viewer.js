// Nghị Sự page viewer: tablet-first, images rendered by the server.
//
//   import { createViewer } from "/static/js/viewer.js";
//   const viewer = createViewer(rootElement, config, { startPage: 1 });
//   viewer.goTo(5);                       // the live room drives it like this
//   viewer.addEventListener("pagechange", (e) => console.log(e.detail.page));
//
// config: { pages, sizes: [[w, h] pt, ...], widths: [160, 400, ...],
//   imageUrl: ".../pages/{page}/", wordsUrl: ".../pages/{page}/words/",
//   linksUrl: ".../pages/links/" or null (signed URLs nginx serves, page-links.js),
//   textLayer: bool, thumbWidth: 160, labels: {...} }
// Events: "pagechange" {page, pageCount}, "zoomchange" {zoom}.

import { briefcaseUrl, hasBriefcase, imageFallback, isBriefcaseUrl, useBriefcase } from "./briefcase-net.js";
import { PageLinks } from "./page-links.js";

const ZOOMS = [1, 1.5, 2, 3];
const SLOW = new Set(["slow-2g", "2g", "3g"]);

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

export function isSlowConnection() {
  const c = navigator.connection;
  return Boolean(c && (c.saveData || SLOW.has(c.effectiveType)));
}

// Runs `work` once the document has loaded (at once if it has): what can wait
// for the page being read (the thumbnail strip, the next page) does.
function afterLoad(work) {
  if (document.readyState === "complete") work();
  else window.addEventListener("load", () => work(), { once: true });
}

export class Viewer extends EventTarget {
  constructor(root, config, { startPage = 1 } = {}) {
    super();
    this.root = root;
    this.config = config;
    this.labels = config.labels || {};
    this.pageCount = config.pages;
    this.page = 0;
    this.zoom = 1;
    this.loadToken = 0;
    this.wordsCache = new Map();
    this.links = new PageLinks(config.linksUrl);
    this.build();
    this.bind();
    this.goTo(startPage);
  }

  // --- public API -----------------------------------------------------------------
  goTo(page) {
    const target = Math.min(this.pageCount, Math.max(1, Number(page) || 1));
    if (target === this.page) return this.page;
    this.page = target;
    this.pageInput.value = String(target);
    this.prevButton.disabled = target <= 1;
    this.nextButton.disabled = target >= this.pageCount;
    this.showPage();
    this.markThumb();
    this.dispatchEvent(
      new CustomEvent("pagechange", { detail: { page: target, pageCount: this.pageCount } })
    );
    return target;
  }

  next() { return this.goTo(this.page + 1); }
  prev() { return this.goTo(this.page - 1); }

  setZoom(zoom) {
    const z = Math.min(ZOOMS[ZOOMS.length - 1], Math.max(ZOOMS[0], zoom));
    if (z === this.zoom) return;
    this.zoom = z;
    this.root.classList.toggle("is-zoomed", z > 1);
    this.zoomLabel.textContent = `${Math.round(z * 100)}%`;
    this.layout();
    this.loadImage();
    this.dispatchEvent(new CustomEvent("zoomchange", { detail: { zoom: z } }));
  }

  zoomIn() { this.setZoom(ZOOMS.find((z) => z > this.zoom) ?? this.zoom); }
  zoomOut() { this.setZoom([...ZOOMS].reverse().find((z) => z < this.zoom) ?? this.zoom); }

  destroy() {
    window.removeEventListener("resize", this.onResize);
    document.removeEventListener("keydown", this.onKey);
    this.root.replaceChildren();
  }

  // --- building ------------------------------------------------------------------
  url(template, page, width) {
    const base = template.replace("{page}", String(page));
    return width ? `${base}?w=${width}` : base;
  }

  // A page image from `source`: "auto" is the signed URL nginx serves while one
  // is valid, else Django's, and offline the briefcase's copy; "django" after a
  // signed URL failed; "briefcase" after the network failed (the briefcase
  // keeps the image under Django's URL).
  imageUrl(page, width, source = "auto") {
    const django = this.url(this.config.imageUrl, page, width);
    if (source === "briefcase" || (source === "auto" && useBriefcase())) return briefcaseUrl(django);
    return source === "django" ? django : this.links.url(page, width, django);
  }

  // An image whose signed URL failed (expired, a revoked grant, no nginx) goes
  // through Django's check instead, and the list is refreshed for the next ones.
  retryImage(img, page, width) {
    if (!this.links.signed(img.src)) return false;
    this.links.refresh();
    img.src = this.imageUrl(page, width, "django");
    return true;
  }

  build() {
    const L = this.labels;
    this.prevButton = el("button", { type: "button", class: "btn", "aria-label": L.prev || "‹", onclick: () => this.prev() }, "‹");
    this.nextButton = el("button", { type: "button", class: "btn", "aria-label": L.next || "›", onclick: () => this.next() }, "›");
    this.pageInput = el("input", {
      type: "number", min: "1", max: String(this.pageCount), inputmode: "numeric",
      class: "viewer-page-input", "aria-label": L.goTo || "page",
    });
    const goForm = el(
      "form", { class: "viewer-goto", onsubmit: (e) => { e.preventDefault(); this.goTo(this.pageInput.value); } },
      this.pageInput, el("span", { class: "viewer-total", text: `/ ${this.pageCount}` }),
      el("button", { type: "submit", class: "btn", text: L.go || "→" }),
    );
    this.zoomLabel = el("span", { class: "viewer-zoom-label", text: "100%" });
    const zoomOut = el("button", { type: "button", class: "btn", "aria-label": L.zoomOut || "−", onclick: () => this.zoomOut() }, "−");
    const zoomIn = el("button", { type: "button", class: "btn", "aria-label": L.zoomIn || "+", onclick: () => this.zoomIn() }, "+");
    const toolbar = el("div", { class: "viewer-toolbar", role: "toolbar" },
      this.prevButton, goForm, this.nextButton,
      el("span", { class: "viewer-spacer" }), zoomOut, this.zoomLabel, zoomIn);
    this.image = el("img", { class: "viewer-img", alt: "", draggable: "false" });
    this.textLayer = el("div", { class: "viewer-text", "aria-hidden": "false" });
    this.status = el("p", { class: "viewer-status", role: "status", hidden: "" });
    this.sheet = el("div", { class: "viewer-sheet" }, this.image, this.textLayer);
    this.stage = el("div", { class: "viewer-stage", tabindex: "0", "aria-live": "polite" }, this.sheet, this.status);
    this.thumbs = el("ol", { class: "viewer-thumbs", "aria-label": L.thumbs || "" });
    const strip = [];
    for (let p = 1; p <= this.pageCount; p += 1) {
      const img = imageFallback(el("img", { loading: "lazy", alt: "" }), this.imageUrl(p, this.config.thumbWidth, "briefcase"));
      strip.push([img, p]);
      img.addEventListener("error", () => this.retryImage(img, p, this.config.thumbWidth));
      const ratio = this.ratio(p);
      img.style.aspectRatio = `${1 / ratio}`;
      this.thumbs.append(el("li", {}, el("button", {
        type: "button", class: "viewer-thumb", "data-page": String(p),
        "aria-label": `${L.page || "Trang"} ${p}`, onclick: () => this.goTo(p),
      }, img, el("span", { text: String(p) }))));
    }
    this.root.replaceChildren(toolbar, this.stage, this.thumbs);
    // The strip waits for the page's load: on a weak network the page being
    // read gets the bandwidth first, and the load event does not wait for it.
    afterLoad(() => {
      for (const [img, p] of strip) if (!img.src) img.src = this.imageUrl(p, this.config.thumbWidth);
    });
  }

  bind() {
    this.onResize = () => { this.layout(); this.loadImage(); };
    window.addEventListener("resize", this.onResize);
    this.onKey = (e) => {
      if (e.target.closest("input, textarea, select, [contenteditable]")) return;
      if (e.key === "ArrowRight" || e.key === "PageDown") { this.next(); e.preventDefault(); }
      else if (e.key === "ArrowLeft" || e.key === "PageUp") { this.prev(); e.preventDefault(); }
      else if (e.key === "Home") { this.goTo(1); e.preventDefault(); }
      else if (e.key === "End") { this.goTo(this.pageCount); e.preventDefault(); }
      else if (e.key === "+" || e.key === "=") this.zoomIn();
      else if (e.key === "-") this.zoomOut();
    };
    document.addEventListener("keydown", this.onKey);
    this.bindTouch();
  }

  bindTouch() {
    let start = null;
    let pinch = null;
    const distance = (t) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
    this.stage.addEventListener("touchstart", (e) => {
      if (e.touches.length === 2) {
        pinch = { d: distance(e.touches), zoom: this.zoom };
        start = null;
      } else if (e.touches.length === 1 && this.zoom === 1) {
        start = { x: e.touches[0].clientX, y: e.touches[0].clientY, t: Date.now() };
      }
    }, { passive: true });
    this.stage.addEventListener("touchmove", (e) => {
      if (pinch && e.touches.length === 2) {
        const scale = distance(e.touches) / pinch.d;
        this.sheet.style.transform = `scale(${scale})`;
        this.sheet.style.transformOrigin = "center top";
        e.preventDefault();
      }
    }, { passive: false });
    this.stage.addEventListener("touchend", (e) => {
      if (pinch) {
        const scale = Number((this.sheet.style.transform.match(/scale\(([\d.]+)\)/) || [0, 1])[1]);
        this.sheet.style.transform = "";
        const wanted = pinch.zoom * scale;
        pinch = null;
        const nearest = ZOOMS.reduce((a, b) => (Math.abs(b - wanted) < Math.abs(a - wanted) ? b : a));
        this.setZoom(nearest);
        return;
      }
      if (!start || e.changedTouches.length !== 1) return;
      const dx = e.changedTouches[0].clientX - start.x;
      const dy = e.changedTouches[0].clientY - start.y;
      if (Math.abs(dx) > 60 && Math.abs(dx) > 1.5 * Math.abs(dy) && Date.now() - start.t < 800) {
        if (dx < 0) this.next(); else this.prev();
      }
      start = null;
    });
  }

  // --- showing a page ----------------------------------------------------------------
  ratio(page) {
    const size = (this.config.sizes || [])[page - 1];
    return size && size[0] > 0 ? size[1] / size[0] : 1.414;
  }

  layout() {
    const available = Math.max(200, this.stage.clientWidth - 2);
    const width = Math.round(available * this.zoom);
    this.sheet.style.width = `${width}px`;
    this.sheet.style.height = `${Math.round(width * this.ratio(this.page))}px`;
    this.sheetWidth = width;
    this.fitText();
  }

  targetWidth() {
    const want = this.sheetWidth * (window.devicePixelRatio || 1);
    const widths = this.config.widths.filter((w) => w !== this.config.thumbWidth);
    return widths.find((w) => w >= want) ?? widths[widths.length - 1];
  }

  showPage() {
    this.layout();
    this.stage.scrollTo?.({ top: 0, left: 0 });
    this.status.hidden = true;
    // The thumbnail is usually cached already: show it at once, then sharpen.
    this.image.src = this.imageUrl(this.page, this.config.thumbWidth);
    this.image.alt = `${this.labels.page || "Trang"} ${this.page}`;
    this.loadImage();
    this.loadWords();
  }

  loadImage() {
    const token = ++this.loadToken;
    const page = this.page;
    const target = this.targetWidth();
    const steps = isSlowConnection() && target > 400 ? [400, target] : [target];
    this.root.classList.add("is-loading");
    const loadStep = (i, source = "auto") => {
      const src = this.imageUrl(page, steps[i], source);
      const probe = new Image();
      probe.onload = () => {
        if (token !== this.loadToken) return;
        this.image.src = src;
        if (i + 1 < steps.length) loadStep(i + 1);
        else { this.root.classList.remove("is-loading"); this.preload(page + 1, target); }
      };
      probe.onerror = () => {
        if (token !== this.loadToken) return;
        if (source === "auto" && this.links.signed(src)) {
          this.links.refresh();
          loadStep(i, "django");
          return;
        }
        // The network failed: the briefcase may hold the page.
        if (hasBriefcase() && !isBriefcaseUrl(src)) {
          loadStep(i, "briefcase");
          return;
        }
        this.root.classList.remove("is-loading");
        this.status.hidden = false;
        this.status.replaceChildren(
          this.labels.loadError || "Không tải được trang này.", " ",
          el("button", { type: "button", class: "btn", text: this.labels.retry || "↻", onclick: () => this.loadImage() }),
        );
      };
      probe.src = src;
    };
    loadStep(0);
  }

  preload(page, width) {
    if (page > this.pageCount) return;
    afterLoad(() => { new Image().src = this.imageUrl(page, width); });
  }

  async loadWords() {
    this.textLayer.replaceChildren();
    if (!this.config.textLayer) return;
    const page = this.page;
    let words = this.wordsCache.get(page);
    if (!words) {
      try {
        const response = await fetch(this.url(this.config.wordsUrl, page), { credentials: "same-origin" });
        if (!response.ok) return;
        words = (await response.json()).words || [];
        this.wordsCache.set(page, words);
      } catch {
        return;
      }
    }
    if (page !== this.page) return;
    const frag = document.createDocumentFragment();
    for (const [x0, y0, x1, y1, text] of words) {
      const span = el("span", { text: `${text} ` });
      span.style.left = `${x0 * 100}%`;
      span.style.top = `${y0 * 100}%`;
      span.dataset.w = String(x1 - x0);
      span.dataset.h = String(y1 - y0);
      frag.append(span);
    }
    this.textLayer.append(frag);
    this.fitText();
  }

  fitText() {
    const height = this.sheetWidth * this.ratio(this.page);
    for (const span of this.textLayer.children) {
      span.style.fontSize = `${Number(span.dataset.h) * height * 0.85}px`;
      span.style.width = `${Number(span.dataset.w) * this.sheetWidth}px`;
    }
  }

  markThumb() {
    for (const button of this.thumbs.querySelectorAll(".viewer-thumb")) {
      const current = Number(button.dataset.page) === this.page;
      if (current) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
      if (current) button.scrollIntoView({ block: "nearest", inline: "center" });
    }
  }
}

export function createViewer(root, config, options = {}) {
  return new Viewer(root, config, options);
}
