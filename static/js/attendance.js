// The attendance page: live (the room's socket says when someone checks in;
// the list is fetched again and swapped in place: no reload, no jump to the
// top), searchable by name (accents ignored), and several people checked in
// at once (one action for all the ticked rows).

import { RoomSocket } from "./room-socket.js";

const card = document.querySelector("[data-attendance]");
const search = card.querySelector("[data-att-search]");
const bulk = document.getElementById("bulk-checkin");

function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

function filter() {
  const q = fold(search.value.trim());
  for (const row of card.querySelectorAll("[data-person]")) {
    row.hidden = Boolean(q) && !fold(row.dataset.person).includes(q);
  }
}
search.addEventListener("input", filter);

card.addEventListener("change", (e) => {
  if (!e.target.matches("[data-att-all]")) return;
  for (const box of card.querySelectorAll(".att-pick")) {
    if (!box.closest("[data-person]").hidden) box.checked = e.target.checked;
  }
});

let refreshing = null;
let again = false;

// Fetch the page and swap the list and the quorum in place, keeping what was ticked.
async function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = (async () => {
    const ticked = new Set([...card.querySelectorAll(".att-pick:checked")].map((b) => b.value));
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const list = page.querySelector("[data-att-list]");
    if (list) card.querySelector("[data-att-list]").replaceChildren(...list.childNodes);
    const quorum = page.querySelector("[data-quorum-box]");
    const here = document.querySelector("[data-quorum-box]");
    if (quorum && here) here.replaceWith(quorum);
    for (const box of card.querySelectorAll(".att-pick")) box.checked = ticked.has(box.value);
    filter();
  })();
  try { await refreshing; } catch { /* offline: the next event tries again */ }
  refreshing = null;
  if (again) { again = false; refresh(); }
}

function showProblem(message) {
  let box = card.querySelector("[data-att-error]");
  if (!box) {
    box = document.createElement("p");
    box.className = "msg msg-error";
    box.dataset.attError = "";
    box.setAttribute("role", "alert");
    card.querySelector("h2").after(box);
  }
  box.textContent = message;
}

// Check-in and absence forms post without leaving the page.
document.addEventListener("submit", async (e) => {
  const form = e.target;
  if (!card.contains(form) && form !== bulk) return;
  e.preventDefault();
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) {
      let message = "";
      try { message = (await response.json()).message; } catch { /* not JSON */ }
      showProblem(message || response.statusText);
    } else {
      const old = card.querySelector("[data-att-error]");
      if (old) old.remove();
      if (form === bulk) card.querySelector("[data-att-all]").checked = false;
    }
    await refresh();
  } finally {
    if (button) button.disabled = false;
  }
});

// Live: the room's events (the secretary is a participant of the meeting).
const socket = new RoomSocket(card.dataset.socket);
socket.addEventListener("event", (e) => {
  const type = e.detail.type;
  if (type === "attendance.changed" || type === "participants.changed") refresh();
});
socket.addEventListener("status", (e) => {
  card.querySelector("[data-att-live]").hidden = e.detail !== "open";
});
socket.start();
