// Agenda builder: reorder items by dragging the ☰ handle (pointer events, so it
// works with a finger on a tablet, a pen or a mouse). On drop the full ordered
// id list is sent with the agenda version the page was built from; a stale
// version gets a 409 with a Vietnamese message and the page reloads the
// current order instead of scrambling it. The ↑ ↓ buttons work without JS.

const alertBox = document.getElementById("agenda-alert");

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  } catch {
    return "";
  }
}

function showError(message) {
  if (!alertBox) return;
  alertBox.textContent = message;
  alertBox.hidden = false;
}

function rows(list) {
  return [...list.children].filter((el) => el.matches("li.build-row"));
}

function setVersion(version) {
  document.querySelectorAll("[data-version]").forEach((el) => {
    el.dataset.version = String(version);
  });
  document.querySelectorAll("input[name=version]").forEach((el) => {
    el.value = String(version);
  });
}

function renumber() {
  document.querySelectorAll("ol.agenda-builder:not(.sub)").forEach((top) => {
    rows(top).forEach((row, i) => {
      row.querySelector(":scope > .row .num").textContent = String(i + 1);
      const sub = row.querySelector(":scope > ol.agenda-builder.sub");
      if (sub) {
        rows(sub).forEach((child, j) => {
          child.querySelector(":scope > .row .num").textContent = `${i + 1}.${j + 1}`;
        });
      }
    });
  });
  document.querySelectorAll("ol.agenda-builder").forEach((list) => {
    const items = rows(list);
    items.forEach((row, i) => {
      const [up, down] = row.querySelectorAll(":scope > .row .row-actions button[aria-label]");
      if (up) up.disabled = i === 0;
      if (down) down.disabled = i === items.length - 1;
    });
  });
}

async function saveOrder(list, before) {
  const order = rows(list).map((row) => Number(row.dataset.id));
  const parent = list.dataset.parent ? Number(list.dataset.parent) : null;
  let response;
  try {
    response = await fetch(list.dataset.reorderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify({ order, version: Number(list.dataset.version), parent }),
    });
  } catch {
    before.forEach((row) => list.appendChild(row));
    renumber();
    showError("Không kết nối được máy chủ; thứ tự chưa được lưu.");
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (response.ok) {
    setVersion(data.version);
    if (alertBox) alertBox.hidden = true;
    renumber();
    return;
  }
  before.forEach((row) => list.appendChild(row));
  renumber();
  showError(data.message || "Không lưu được thứ tự.");
  if (response.status === 409) {
    setTimeout(() => window.location.reload(), 2500);
  }
}

function startDrag(event) {
  const handle = event.target.closest("[data-drag-handle]");
  if (!handle || event.button > 0) return;
  const row = handle.closest("li.build-row");
  const list = row.parentElement;
  const before = rows(list);
  event.preventDefault();
  handle.setPointerCapture(event.pointerId);
  row.classList.add("dragging");
  let target = null;
  let after = false;

  const clear = () => {
    before.forEach((r) => r.classList.remove("drop-before", "drop-after"));
  };
  const move = (e) => {
    clear();
    target = null;
    for (const other of rows(list)) {
      if (other === row) continue;
      const box = other.getBoundingClientRect();
      if (e.clientY >= box.top && e.clientY <= box.bottom) {
        target = other;
        after = e.clientY > box.top + box.height / 2;
        other.classList.add(after ? "drop-after" : "drop-before");
        break;
      }
    }
  };
  const end = () => {
    handle.removeEventListener("pointermove", move);
    handle.removeEventListener("pointerup", end);
    handle.removeEventListener("pointercancel", cancel);
    row.classList.remove("dragging");
    clear();
    if (!target) return;
    list.insertBefore(row, after ? target.nextSibling : target);
    renumber();
    const changed = rows(list).some((r, i) => r !== before[i]);
    if (changed) saveOrder(list, before);
  };
  const cancel = () => {
    target = null;
    end();
  };
  handle.addEventListener("pointermove", move);
  handle.addEventListener("pointerup", end);
  handle.addEventListener("pointercancel", cancel);
}

document.addEventListener("pointerdown", startDrag);
// Keyboard users: the handle moves the item up with ArrowUp and down with ArrowDown.
document.addEventListener("keydown", (event) => {
  const handle = event.target.closest?.("[data-drag-handle]");
  if (!handle || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
  event.preventDefault();
  const row = handle.closest("li.build-row");
  const list = row.parentElement;
  const before = rows(list);
  const i = before.indexOf(row);
  const j = event.key === "ArrowUp" ? i - 1 : i + 1;
  if (j < 0 || j >= before.length) return;
  list.insertBefore(row, event.key === "ArrowUp" ? before[j] : before[j].nextSibling);
  handle.focus();
  renumber();
  saveOrder(list, before);
});
