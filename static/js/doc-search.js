// Search inside the shown document, on the tablet: the text of every page
// (documents:text; from the briefcase when offline), matched without
// diacritics ("nghi quyet" finds "nghị quyết"). Results go to the viewer's page.

import { briefcaseFetch } from "./briefcase-net.js";

const form = document.querySelector("[data-doc-search]");
const configNode = document.getElementById("viewer-config");

export function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().replace(/\s+/g, " ");
}

// fold() keeps one character per letter of NFC text with collapsed spaces, so a
// position in the folded text is the same position in the text.
function snippet(words, at, length) {
  const start = Math.max(0, at - 40);
  const before = words.slice(start, at);
  const hit = words.slice(at, at + length);
  const after = words.slice(at + length, at + length + 60);
  const mark = document.createElement("mark");
  mark.textContent = hit;
  return [`${start > 0 ? "…" : ""}${before}`, mark, `${after}…`];
}

if (form && configNode) {
  const config = JSON.parse(configNode.textContent);
  const results = document.querySelector("[data-doc-search-results]");
  const status = form.querySelector("[data-doc-search-status]");
  let pages = null;

  async function load() {
    if (pages) return pages;
    const response = await briefcaseFetch(config.textUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    pages = (await response.json()).pages.map((p) => {
      const text = p.text.normalize("NFC").replace(/\s+/g, " ");
      return { page: p.page, text, folded: fold(text) };
    });
    return pages;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = fold(form.elements.q.value.trim());
    results.replaceChildren();
    if (query.length < 2) return;
    try {
      await load();
    } catch {
      status.textContent = form.dataset.unavailable;
      return;
    }
    let count = 0;
    for (const p of pages) {
      const at = p.folded.indexOf(query);
      if (at < 0) continue;
      count += 1;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-quiet";
      const label = document.createElement("strong");
      label.textContent = `${form.dataset.pageLabel} ${p.page}: `;
      button.append(label, ...snippet(p.text, at, query.length));
      button.addEventListener("click", () => window.nghisuViewer?.goTo(p.page));
      const item = document.createElement("li");
      item.append(button);
      results.append(item);
    }
    status.textContent = form.dataset.found.replace("%(n)s", String(count));
  });
}
