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
