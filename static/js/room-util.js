// Small helpers shared by the room's modules.

export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? ""));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function csrfToken() {
  const body = document.body.getAttribute("hx-headers");
  try {
    return JSON.parse(body)["X-CSRFToken"];
  } catch (err) {
    return "";
  }
}

// "57,14" for 32 of 56: Vietnamese decimals, two places.
export function percent(n, of) {
  if (!of) return "0";
  return (Math.round((n / of) * 10000) / 100).toFixed(2).replace(".", ",");
}

// What can take the keyboard's focus in a part of the page that is rebuilt.
const FOCUSABLE = "button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

function focusKey(node) {
  const data = [...node.attributes].filter((a) => a.name.startsWith("data-")).map((a) => `${a.name}=${a.value}`);
  return `${node.tagName}|${data.join("&")}|${node.textContent.trim()}`;
}

// Runs `render`, which may rebuild parts of `container`, and gives the focus back
// to the control that had it (the same control rebuilt: same tag, data attributes
// and text), or else to the control now at its place: a live update (a vote's
// progress, someone arriving) must not send a keyboard or screen-reader user back
// to the top of the page. Nested calls (the room's render runs the votes' and
// the presentation's) leave it to the outermost, which contains theirs.
let keeping = 0;

export function keepFocus(container, render) {
  const active = document.activeElement;
  if (keeping || !active || active === document.body || !container.contains(active)) return render();
  const before = [...container.querySelectorAll(FOCUSABLE)];
  const key = focusKey(active);
  const twin = before.filter((n) => focusKey(n) === key).indexOf(active);
  const index = before.indexOf(active);
  let result;
  keeping += 1;
  try {
    result = render();
  } finally {
    keeping -= 1;
  }
  if (active.isConnected && document.activeElement === active) return result;
  const after = [...container.querySelectorAll(FOCUSABLE)];
  const same = after.filter((n) => focusKey(n) === key);
  const next = same.length ? same[Math.min(Math.max(twin, 0), same.length - 1)] : after[Math.min(index, after.length - 1)];
  next?.focus({ preventScroll: true });
  return result;
}
