// The chair's conclusion of an item, recorded from the room: a dialog
// prefilled from the item's last closed vote, editable, saved through the
// meeting's conclusion view (the same action and audit as the page).

import { closeDialog, showModal } from "./room-alerts.js";
import { csrfToken } from "./room-util.js";

export function setupConclusion({ root, T, item, prefill, saved }) {
  const $ = (sel) => root.querySelector(sel);
  const dialog = $("[data-conclusion-dialog]");
  const text = $("[data-conclusion-text]");
  const error = $("[data-conclusion-error]");
  let current = null;

  function open(itemId) {
    const it = item(itemId);
    if (!it) return;
    current = itemId;
    $("[data-conclusion-item]").textContent = `${it.number}. ${it.title}`;
    text.value = it.conclusion || prefill(itemId);
    error.hidden = true;
    showModal(dialog);
    text.focus();
  }

  async function save() {
    const body = new URLSearchParams({ text: text.value });
    const url = root.dataset.conclusionUrl.replace(/\/items\/0\//, `/items/${current}/`);
    let message = T.error;
    try {
      const response = await fetch(url, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      if (response.ok) {
        const it = item(current);
        if (it) it.conclusion = body.get("text");
        closeDialog(dialog);
        saved();
        return;
      }
      message = (await response.json()).message || message;
    } catch {
      message = T.offline;
    }
    error.textContent = message;
    error.hidden = false;
  }

  $("[data-conclusion-save]").addEventListener("click", save);
  $("[data-conclusion-cancel]").addEventListener("click", () => closeDialog(dialog));
  return open;
}
