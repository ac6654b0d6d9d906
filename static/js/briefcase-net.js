// Reaching the briefcase from a page (docs/offline.md).
//
// Online, the service worker stays out of every request but navigations: its
// static routes send the rest to the network or to the app shell's cache
// without starting it, because dispatching each request to it costs the page
// load far more than its 5 ms budget (bench/offline.py). So a page that wants
// a stored copy asks for one: a URL under /__briefcase__/ is answered by the
// worker from the signed-in user's briefcase (or from the network when it
// holds nothing). A page asks that way when the tablet is offline, when the
// server was found unreachable, or when the network failed the request.
//
//   import { briefcaseFetch, briefcaseUrl, useBriefcase } from "./briefcase-net.js";
//   const response = await briefcaseFetch(url, { credentials: "same-origin" });
//   img.src = useBriefcase() ? briefcaseUrl(url) : url;

const PREFIX = "/__briefcase__";
const UNREACHABLE_KEY = "nghisu.unreachableUntil";
const UNREACHABLE_MS = 60000;

// Whether a worker controls this page (without one there is no briefcase).
export function hasBriefcase() {
  return Boolean(navigator.serviceWorker?.controller);
}

function unreachable() {
  try {
    return Number(localStorage.getItem(UNREACHABLE_KEY)) > Date.now();
  } catch {
    return false;
  }
}

// Told by the contact with the server (briefcase.js): the browser says online
// but the server does not answer (a hall's Wi-Fi up, its server not). Returns
// until when the briefcase answers first (0: the server answered), which the
// page also tells the worker, for navigations.
export function setReachable(reachable) {
  const until = reachable ? 0 : Date.now() + UNREACHABLE_MS;
  try {
    if (reachable) localStorage.removeItem(UNREACHABLE_KEY);
    else localStorage.setItem(UNREACHABLE_KEY, String(until));
  } catch {
    /* private mode: the failed request itself still falls back */
  }
  return until;
}

// Whether a request should go to the briefcase first.
export function useBriefcase() {
  return hasBriefcase() && (!navigator.onLine || unreachable());
}

export function isBriefcaseUrl(url) {
  return new URL(url, window.location.href).pathname.startsWith(`${PREFIX}/`);
}

// The same URL, answered by the worker from the briefcase.
export function briefcaseUrl(url) {
  const u = new URL(url, window.location.href);
  if (u.origin !== window.location.origin || u.pathname.startsWith(`${PREFIX}/`)) return url;
  return `${PREFIX}${u.pathname}${u.search}`;
}

// fetch() for a GET that the briefcase may hold: from the briefcase first when
// offline, else from the network and from the briefcase when the network
// fails. What the briefcase does not hold fails as the network did (a thrown
// TypeError), so callers keep their own "offline" handling.
export async function briefcaseFetch(url, init = {}) {
  if (useBriefcase()) {
    const stored = await fetch(briefcaseUrl(url), init).catch(() => null);
    if (stored?.ok) return stored;
    throw new TypeError("offline");
  }
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!hasBriefcase()) throw error;
    const stored = await fetch(briefcaseUrl(url), init).catch(() => null);
    if (stored?.ok) return stored;
    throw error;
  }
}

// An <img> whose load failed tries the briefcase once, at `stored` (its
// /__briefcase__/ URL: the briefcase keeps images under Django's URL, not a
// signed one).
export function imageFallback(img, stored) {
  img.addEventListener("error", () => {
    if (!hasBriefcase() || !img.src || isBriefcaseUrl(img.src)) return;
    img.src = stored;
  });
  return img;
}
