// Signed page-image URLs that nginx serves by itself (documents/page_links.py).
//
//   const links = new PageLinks(".../versions/3/pages/links/");
//   img.src = links.url(page, width, plainUrl);  // signed while valid, else plain
//   img.onerror = () => { if (links.signed(img.src)) { links.refresh(); img.src = plainUrl; } };
//
// A URL lives 30-60 s (the server's `ttl`, counted on this device's monotonic
// clock, so a wrong tablet clock does not matter). Ten seconds before the end a
// fresh list is fetched in the background; meanwhile, and whenever there is no
// list (signing off, confidential document, fetch failed), the plain URL
// through Django's permission check is used. nginx answers an expired or forged
// URL with 410 or 403: the image then loads through Django's URL (which checks,
// so a revoked grant gets 404) and the list is refreshed for the next images.

// Refresh this long before the end (a sixth of a short lifetime), and stop
// using a URL this long before it (a twelfth).
const REFRESH_BEFORE_MS = 10000;
const USE_UNTIL_MS = 2000;

export class PageLinks {
  constructor(linksUrl) {
    this.linksUrl = linksUrl || null;
    this.data = null;
    this.until = 0;
    this.pending = null;
    this.off = !this.linksUrl;
    this.failedAt = -Infinity;
    if (!this.off) this.refresh();
  }

  refresh() {
    if (this.off) return Promise.resolve(false);
    if (!this.pending) {
      const started = performance.now();
      this.pending = fetch(this.linksUrl, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (data && !data.template) { this.off = true; this.data = null; return false; }
          this.data = data;
          if (data) this.prefix = `/${data.template.split("/")[1]}/`;
          this.until = data ? started + data.ttl * 1000 : 0;
          if (!data) this.failedAt = performance.now();
          return Boolean(data);
        })
        .catch(() => { this.data = null; this.failedAt = performance.now(); return false; })
        .finally(() => { this.pending = null; });
    }
    return this.pending;
  }

  url(page, width, fallback) {
    if (this.off) return fallback;
    const left = this.until - performance.now();
    const life = this.data ? this.data.ttl * 1000 : 0;
    const refreshAt = Math.min(REFRESH_BEFORE_MS, life / 6);
    if (left < refreshAt && !this.pending && performance.now() - this.failedAt > 10000) {
      this.refresh();
    }
    const sig = this.data && this.data.sigs[page - 1];
    const usable = left > Math.min(USE_UNTIL_MS, life / 12);
    if (!sig || !usable || !this.data.widths.includes(Number(width))) return fallback;
    return this.data.template.replace("{sig}", sig).replace("{page}", String(page)).replace("{w}", String(width));
  }

  // Whether `src` is one of ours (then an error is worth a refresh and a retry).
  signed(src) {
    if (!src || this.off) return false;
    return new URL(src, window.location.href).pathname.startsWith(this.prefix || "/pi/");
  }
}
