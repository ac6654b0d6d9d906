// The question segment (chất vấn) in the live room: who asks, who answers,
// the question and the countdown on every tablet; the chair's controls.
//
// The server publishes `question.segment` room events with the whole
// snapshot (timers as server timestamps: the phase's end); this module keeps
// the latest snapshot, counts down locally against the server's clock, and
// fetches the snapshot over HTTP (ETag) when the room (re)connects or resyncs,
// so a tablet that was away is current. The chair's buttons POST to the
// segment's views (the same actions, which publish the event to everyone).

import { csrfToken, keepFocus } from "./room-util.js";

export function createQuestions(root) {
  const box = root.querySelector("[data-qseg]");
  if (!box) return { onEvent() {}, onSpeakers() {}, resync() {} };
  const $ = (sel) => box.querySelector(sel);
  const control = box.dataset.control === "1";
  let snap = null;
  let speakers = []; // the room's queue (meetings' `speakers`), for the chair
  let etag = "";
  let offset = 0; // server time - local time

  function remaining() {
    if (!snap || !snap.ends_at) return null;
    return Math.round((Date.parse(snap.ends_at) - (Date.now() + offset)) / 1000);
  }

  function renderTimer() {
    const left = remaining();
    const timer = $("[data-qseg-timer]");
    if (left === null) {
      timer.textContent = "";
      return;
    }
    const s = Math.abs(left);
    timer.textContent = `${left < 0 ? "−" : ""}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    timer.classList.toggle("over", left < 0);
  }

  // The keyboard's focus stays on the control that had it (room-util.js).
  function render() {
    keepFocus(box, draw);
  }

  function draw() {
    if (!snap) return;
    const cur = snap.current;
    box.hidden = !control && snap.phase === "idle";
    box.dataset.phase = snap.phase;
    $("[data-qseg-phase]").textContent = snap.phase_label;
    $("[data-qseg-who]").hidden = !cur;
    $("[data-qseg-asker]").textContent = cur ? cur.asker : "";
    $("[data-qseg-official]").textContent = cur ? [cur.official, cur.agency].filter(Boolean).join(", ") : "";
    $("[data-qseg-topic]").textContent = cur ? cur.topic : "";
    $("[data-qseg-text]").textContent = cur ? cur.text : "";
    renderTimer();
    if (!control) return;
    const idle = snap.phase === "idle";
    const allowed = {
      call: idle,
      answer: snap.phase === "asking" || snap.phase === "followup",
      followup: snap.phase === "answering",
      extend: !idle, finish: !idle, skip: !idle, written: !idle,
    };
    for (const button of box.querySelectorAll("[data-qseg-op]")) {
      button.disabled = !allowed[button.dataset.qsegOp];
    }
    const floor = $("[data-qseg-floor]");
    floor.hidden = !snap.floor.length;
    floor.querySelector("ol").replaceChildren(...snap.floor.map((q) => {
      const li = document.createElement("li");
      const call = document.createElement("button");
      call.type = "button";
      call.className = "btn btn-small";
      call.textContent = floor.dataset.call;
      call.disabled = !idle;
      call.addEventListener("click", () => run("call", call, q.id));
      li.append(`${q.asker} → ${q.official}: ${q.topic} `, call);
      return li;
    }));
    renderSpeakers();
    const queue = $("[data-qseg-queue]");
    queue.replaceChildren(...snap.queue.map((q) => {
      const li = document.createElement("li");
      li.textContent = `${q.asker} → ${q.official}: ${q.topic} (${q.outcome_label})`;
      if (q.outcome !== "pending") li.className = "done";
      if (cur && q.id === cur.id) li.setAttribute("aria-current", "true");
      return li;
    }));
  }

  // The floor queue: delegates who asked to speak in the room; the chair
  // calls one to question the official chosen beside it.
  function renderSpeakers() {
    const panel = $("[data-qseg-speakers]");
    if (!control || !panel || !snap) return;
    const waiting = speakers.filter((s) => s.status === "waiting");
    panel.hidden = !waiting.length;
    panel.querySelector("ol").replaceChildren(...waiting.map((s) => {
      const li = document.createElement("li");
      const call = document.createElement("button");
      call.type = "button";
      call.className = "btn btn-small";
      call.textContent = panel.dataset.call;
      call.disabled = snap.phase !== "idle";
      call.dataset.request = String(s.id);
      call.addEventListener("click", () => run("floor", call, null, s.id));
      li.append(`${s.name} `, call);
      return li;
    }));
  }

  function take(fresh) {
    if (!fresh || String(fresh.id) !== box.dataset.segment) return; // another segment
    if (snap && fresh.version < snap.version) return; // an older one, late
    snap = fresh;
    offset = Date.parse(fresh.server_now) - Date.now();
    render();
  }

  async function resync() {
    try {
      const response = await fetch(box.dataset.stateUrl, {
        credentials: "same-origin",
        headers: etag ? { "If-None-Match": etag, Accept: "application/json" } : { Accept: "application/json" },
      });
      if (response.status === 304) return;
      if (!response.ok) return;
      etag = response.headers.get("ETag") || "";
      take(await response.json());
    } catch {
      // offline: the next room.state fetches again
    }
  }

  async function run(op, button, question = null, request = null) {
    const body = new URLSearchParams();
    if (question !== null) body.set("question", String(question));
    if (request !== null) {
      body.set("request", String(request));
      body.set("official", $("[data-qseg-answerer]").value);
      body.set("text", $("[data-qseg-floor-text]").value);
    }
    if (button.dataset.seconds) body.set("seconds", button.dataset.seconds);
    if (op === "written") body.set("due", $("[data-qseg-due]").value);
    const error = $("[data-qseg-error]");
    error.hidden = true;
    try {
      const response = await fetch(box.dataset.controlUrl.replace("/OP/", `/${op}/`), {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const data = await response.json();
      if (!response.ok) {
        error.textContent = data.message || "";
        error.hidden = false;
        return;
      }
      take(data);
      if (op === "floor") $("[data-qseg-floor-text]").value = "";
    } catch {
      error.textContent = box.dataset.offline || "⚠";
      error.hidden = false;
    }
  }

  if (control) {
    for (const button of box.querySelectorAll("[data-qseg-op]")) {
      button.addEventListener("click", () => run(button.dataset.qsegOp, button));
    }
  }
  setInterval(renderTimer, 500);
  resync();
  return {
    onEvent(event) {
      take(event.segment);
    },
    onSpeakers(list) {
      speakers = list || [];
      renderSpeakers();
    },
    resync,
  };
}
