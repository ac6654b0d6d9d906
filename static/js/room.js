// The live meeting room page: applies room.state and events to the screen.
// The socket (reconnects, seq, re-sent commands) lives in room-socket.js, the
// presented page and its controls in room-presenting.js, the votes and the
// ballot sheet in room-votes.js, dialogs and alerts in
// room-alerts.js, the panes, keys and page fitting in room-layout.js.
//
// The socket's status is the one source of the connection state: the header
// shows it, and the annotation layer reads it from `root.dataset.conn`.

import { alert, closeDialog, confirmDialog, setSound, showModal, soundOn } from "./room-alerts.js";
import { setupConclusion } from "./room-conclusion.js";
import { setupLayout } from "./room-layout.js";
import { createPresenting } from "./room-presenting.js";
import { RoomSocket } from "./room-socket.js";
import { el, fmt, csrfToken, keepFocus } from "./room-util.js";
import { RoomPageView } from "./room-viewer.js";
import { createVotes } from "./room-votes.js";
import { createQuestions } from "./room-questions.js"; // oversight: the question segment

const root = document.getElementById("room");
const T = JSON.parse(document.getElementById("room-strings").textContent);
const me = Number(root.dataset.user);
const $ = (sel) => root.querySelector(sel);

let state = null;
let clockOffset = 0; // server time - local time, from room.state.now
let mySpeech = null; // my request while I have the floor
const RESYNC = new Set(["participants.changed", "meeting.updated", "agenda.changed"]);
const pageView = new RoomPageView(root.dataset.annotationsUrl, root.dataset.pageLinksUrl); // page + annotation layer
window.nghisuRoomPage = pageView;

async function castOverHttp(vote, option, id) {
  const url = root.dataset.castUrl.replace(/\/0\/cast\/$/, `/${vote}/cast/`);
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: JSON.stringify({ option, id }),
    credentials: "same-origin",
  });
  return response.json();
}

const socket = new RoomSocket(root.dataset.socket, { fallbackCast: castOverHttp });
window.nghisuRoom = socket; // lets a tester (or the browser tests) drop the link

const votes = createVotes({
  root, T, socket,
  getState: () => state,
  send: (type, fields) => send(type, fields),
  quiet: (p) => quiet(p),
  showError: (e) => showError(e),
  openConclusion: (itemId) => openConclusion(itemId),
});

const questions = createQuestions(root); // oversight: question.segment events + snapshot

const presenting = createPresenting({
  root, T, pageView,
  getState: () => state,
  send: (type, fields) => send(type, fields),
  quiet: (p) => quiet(p),
});

// ---------------------------------------------------------------------------
// state
// ---------------------------------------------------------------------------
function vote(id) {
  return state.votes.find((v) => v.id === id);
}

function item(id) {
  return state.agenda.find((i) => i.id === id);
}

const apply = {
  "meeting.status"(e) {
    state.meeting.status = e.status;
    if (e.status !== "in_progress") {
      state.current_item = null;
      state.presentation = null;
    }
  },
  "agenda.current"(e) {
    state.current_item = e.item;
    for (const change of e.items) Object.assign(item(change.id) || {}, change);
    state.presentation = e.presentation;
    presenting.reset();
  },
  "present.page"(e) {
    state.presentation = e.presentation;
  },
  "present.stop"() {
    state.presentation = null;
  },
  "present.assign"(e) {
    state.presenter = e.presenter;
    state.me.can_present = state.me.can_control || e.presenter === me;
  },
  speakers(e) {
    state.speakers = e.speakers;
  },
  "attendance.changed"(e) {
    const p = state.participants.find((x) => x.id === e.participant);
    if (p) {
      p.attendance = e.attendance;
      if (p.user === me) state.me.attendance = e.attendance;
    }
    state.quorum = { members: e.quorum.members, required: e.quorum.required, present: e.quorum.present };
  },
  "vote.prepared"(e) {
    if (!vote(e.vote.id)) state.votes.push(e.vote);
  },
  "vote.opened"(e) {
    const known = vote(e.vote.id);
    if (known) Object.keys(known).forEach((k) => delete known[k]);
    if (known) Object.assign(known, e.vote);
    else state.votes.push(e.vote);
  },
  "vote.closed"(e) {
    apply["vote.opened"](e);
  },
  "conclusion.recorded"(e) {
    const it = item(e.item);
    if (it) it.conclusion = e.text !== undefined ? e.text : it.conclusion;
  },
};

function onState(fresh) {
  if (state) pageView.onRoomEvent({ type: "room.state" }); // reconnected: reload notes
  const first = !state;
  state = fresh;
  questions.resync(); // oversight: (re)connected or resynced, fetch the segment
  questions.onSpeakers(fresh.speakers); // oversight: the floor queue
  clockOffset = Date.parse(fresh.now) - Date.now();
  if (first) {
    presenting.start(fresh);
    mySpeech = fresh.speakers.find((s) => s.user === me && s.status === "speaking") || null;
  }
  render();
}

function onEvent(event) {
  if (!state) return;
  if (event.type === "question.segment") return questions.onEvent(event); // oversight
  if (event.type === "speakers") questions.onSpeakers(event.speakers); // oversight
  const handler = apply[event.type];
  if (handler) handler(event);
  else if (RESYNC.has(event.type)) socket.sync();
  render();
}

function onSignal(signal) {
  if (signal.type.startsWith("annotation.")) {
    pageView.onRoomEvent(signal); // sent only to those who may read it
    return;
  }
  if (!state) return;
  if (signal.type === "vote.progress") {
    const v = vote(signal.vote);
    if (v && v.status === "open" && (!v.at || signal.at >= v.at)) {
      v.cast = signal.cast;
      v.at = signal.at;
      if (signal.counts) v.counts = signal.counts;
      votes.render();
    }
  } else if (signal.type === "presence") {
    state.presence = signal.present;
    keepFocus(root, renderPeople);
  } else if (signal.type === "vote.voted") {
    votes.onVoted(signal.vote);
  }
}

socket.addEventListener("state", (e) => onState(e.detail));
socket.addEventListener("event", (e) => onEvent(e.detail));
socket.addEventListener("signal", (e) => onSignal(e.detail));
socket.addEventListener("status", (e) => { renderConnection(e.detail); if (state) votes.render(); });
socket.addEventListener("pending", () => renderConnection(socket.status));
socket.addEventListener("problem", (e) => showError(e.detail));

// ---------------------------------------------------------------------------
// commands
// ---------------------------------------------------------------------------
function showError(error) {
  const box = $("[data-error]");
  box.textContent = error && error.message ? error.message : T.error;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => {
    box.hidden = true;
  }, 8000);
}

function send(type, fields = {}) {
  return socket.command(type, fields).catch((error) => {
    showError(error);
    throw error;
  });
}

function quiet(promise) {
  promise.catch(() => {});
}

// ---------------------------------------------------------------------------
// rendering
// ---------------------------------------------------------------------------
function renderConnection(status) {
  const node = $("[data-conn]");
  const labels = {
    connecting: T.connecting,
    open: T.connected,
    reconnecting: T.reconnecting,
    offline: T.offline,
    "signed-out": T.signed_out,
    forbidden: T.forbidden,
  };
  let text = labels[status] || status;
  if (status === "open" && socket.pending.size) text = T.sending;
  node.textContent = text;
  node.dataset.state = status;
  root.dataset.conn = status;
}

// Every render keeps the keyboard's focus where it was (room-util.js).
function render() {
  if (state) keepFocus(root, renderAll);
}

function renderAll() {
  const status = $("[data-meeting-status]");
  status.textContent = T[`status_${state.meeting.status}`] || state.meeting.status;
  status.dataset.status = state.meeting.status;
  const current = item(state.current_item);
  $("[data-current-title]").textContent = current ? `${current.number}. ${current.title}` : state.meeting.title;
  renderAgenda();
  presenting.render();
  votes.render();
  renderFloor();
  renderPeople();
  presenting.notice();
}

function checkinOpen() {
  return state.meeting.status === "published" || state.meeting.status === "in_progress";
}

function running() {
  return state.meeting.status === "in_progress";
}

function renderAgenda() {
  const list = $("[data-agenda]");
  list.replaceChildren();
  if (!state.agenda.length) list.append(el("li", { class: "empty", text: T.no_agenda }));
  for (const it of state.agenda) {
    const current = it.id === state.current_item;
    const label = current ? T.current : T[it.status] || "";
    const row = el(
      "li",
      { class: `agenda-item ${it.parent ? "sub" : ""} ${current ? "is-current" : ""} st-${it.status}`, "data-item": it.id, "aria-current": current ? "step" : null },
      el("span", { class: "num", text: it.number }),
      el("span", { class: "title" }, el("strong", { text: it.title }), it.presenter ? el("small", { class: "muted", text: ` — ${T.presenter}: ${it.presenter}` }) : null),
      el("span", { class: "badge", text: label }),
    );
    if (state.me.can_control && running() && !current) {
      row.append(el("button", { class: "btn btn-small", type: "button", text: T.go_here, "data-goto": it.id, onclick: () => quiet(send("agenda.goto", { item: it.id })) }));
    }
    list.append(row);
  }
  $("[data-agenda-nav]").hidden = !(state.me.can_control && running());
  const box = $("[data-conclusion-box]");
  box.replaceChildren();
  if (state.me.can_control && running() && state.current_item !== null) {
    box.append(el("button", { class: "btn", type: "button", text: T.conclusion_record, "data-conclude-item": state.current_item, onclick: () => openConclusion(state.current_item) }));
  }
  renderTimer();
}

function elapsed(since) {
  const seconds = Math.max(0, Math.floor((Date.now() + clockOffset - Date.parse(since)) / 1000));
  return { seconds, text: `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}` };
}

function renderTimer() {
  const box = $("[data-timer]");
  const current = state && item(state.current_item);
  if (!current || !current.started_at || !running()) {
    box.hidden = true;
  } else {
    box.hidden = false;
    const { seconds, text } = elapsed(current.started_at);
    const planned = current.duration_minutes;
    const over = planned && seconds > planned * 60;
    box.textContent = `${T.elapsed}: ${text}` + (planned ? ` (${fmt(T.planned, { n: planned })})` : "") + (over ? ` — ${T.overtime}` : "");
    box.classList.toggle("over", Boolean(over));
  }
  if (!state) return;
  for (const node of root.querySelectorAll("[data-speech-timer]")) {
    node.textContent = elapsed(node.dataset.speechTimer).text;
  }
  if (mySpeech && mySpeech.started_at) $("[data-floor-timer]").textContent = `${T.speaking_for} ${elapsed(mySpeech.started_at).text}`;
}

function renderFloor() {
  const box = $("[data-floor]");
  box.replaceChildren();
  const queue = state.speakers.filter((s) => s.item === state.current_item || s.status === "speaking");
  const mine = queue.find((s) => s.user === me);
  const participant = state.me.role !== "manager" && state.me.role !== "guest";
  if (running() && participant && state.current_item !== null) {
    box.append(mine
      ? el("button", { class: "btn", type: "button", text: T.withdraw, disabled: mine.status === "speaking", onclick: () => quiet(send("speaker.withdraw")) })
      : el("button", { class: "btn btn-primary btn-big", type: "button", text: T.request_floor, "data-request-floor": true, onclick: () => quiet(send("speaker.request")) }));
  }
  noticeFloor(state.speakers.find((s) => s.user === me && s.status === "speaking") || null);
  if (!queue.length) {
    box.append(el("p", { class: "empty", text: T.no_speakers }));
    return;
  }
  const list = el("ol", { class: "list speakers" });
  for (const s of queue) {
    const row = el("li", { class: `row speaker ${s.status}`, "data-speaker": s.user }, el("span", { class: "grow", text: s.name }), el("span", { class: "badge", text: T[s.status] }));
    if (s.status === "speaking" && s.started_at) row.append(el("span", { class: "speech-timer", "data-speech-timer": s.started_at, text: elapsed(s.started_at).text }));
    if (state.me.can_control && s.status === "waiting") row.append(el("button", { class: "btn", type: "button", text: T.grant, "data-grant": s.id, onclick: () => quiet(send("speaker.grant", { request: s.id })) }));
    if (s.status === "speaking" && (state.me.can_control || s.user === me)) row.append(el("button", { class: "btn", type: "button", text: T.end_speech, onclick: () => quiet(send("speaker.end")) }));
    list.append(row);
  }
  box.append(list);
}

// The floor given to me: a sheet with the running timer, only on my devices.
function noticeFloor(speech) {
  const dialog = $("[data-floor-alert]");
  const chip = $('[data-chip="floor"]');
  const before = mySpeech;
  mySpeech = speech;
  chip.hidden = !speech;
  if (!speech) {
    closeDialog(dialog);
    return;
  }
  if (before && before.id === speech.id) return;
  $("[data-floor-title]").textContent = fmt(T.floor_granted, { name: speech.name });
  alert();
  showModal(dialog);
  renderTimer();
}

function renderPeople() {
  if (!state) return;
  const card = $("[data-people-card]");
  const q = state.quorum;
  $("[data-quorum]").textContent = fmt(T.quorum, q);
  const chip = $("[data-quorum-chip]");
  chip.hidden = false;
  chip.textContent = fmt(T.quorum_short, q);
  chip.classList.toggle("short", q.present < q.required);
  const controls = $("[data-meeting-controls]");
  controls.replaceChildren();
  if (state.me.can_control) {
    if (state.meeting.status === "published") controls.append(el("button", { class: "btn btn-primary", type: "button", text: T.start, "data-start": true, onclick: () => quiet(send("meeting.start")) }));
    if (running()) controls.append(el("button", { class: "btn", type: "button", text: T.close_meeting, "data-close-meeting": true, onclick: askCloseMeeting }));
  }
  if (checkinOpen() && state.me.attendance && state.me.attendance !== "present") {
    controls.append(el("button", { class: "btn btn-primary", type: "button", text: T.checkin, "data-checkin": true, onclick: () => quiet(send("attendance.checkin")) }));
  }
  const list = $("[data-people]");
  list.replaceChildren();
  const online = new Set(state.presence || []);
  card.classList.toggle("is-manager", Boolean(state.me.can_control));
  for (const p of state.participants) {
    const row = el("li", { class: "row" },
      state.presence ? el("span", { class: `dot ${online.has(p.user) ? "on" : ""}`, title: online.has(p.user) ? T.online : "" }) : null,
      el("span", { class: "grow" }, p.name, " ", el("small", { class: "muted", text: T[`role_${p.role}`] || p.role })),
      el("span", { class: `badge att-${p.attendance}`, text: T[`${p.attendance}_att`] || p.attendance }),
    );
    if (state.me.can_control && checkinOpen() && p.attendance !== "present") {
      row.append(el("button", { class: "btn btn-small", type: "button", text: T.checkin, "data-checkin-user": p.user, onclick: () => quiet(send("attendance.checkin", { user: p.user })) }));
    }
    list.append(row);
  }
}

async function askCloseMeeting() {
  const ok = await confirmDialog(root, { title: T.close_meeting_q, text: T.confirm_close, yes: T.close_meeting });
  if (ok) quiet(send("meeting.close"));
}

// ---------------------------------------------------------------------------
// the conclusion, recorded through the meeting's conclusion view
// ---------------------------------------------------------------------------
const openConclusion = setupConclusion({
  root, T,
  item: (id) => state && item(id),
  prefill: (id) => votes.conclusionText(id),
  saved: () => {
    $("[data-toast-text]").textContent = T.conclusion_saved;
    $("[data-toast-follow]").hidden = true;
    $("[data-toast]").hidden = false;
  },
});

$("[data-floor-close]").addEventListener("click", () => closeDialog($("[data-floor-alert]")));
$("[data-floor-end]").addEventListener("click", () => { closeDialog($("[data-floor-alert]")); quiet(send("speaker.end")); });
$('[data-chip="floor"]').addEventListener("click", () => showModal($("[data-floor-alert]")));
$("[data-toast-close]").addEventListener("click", () => { $("[data-toast]").hidden = true; });
$("[data-toast-follow]").addEventListener("click", () => { $("[data-toast]").hidden = true; layout.closePanel(); presenting.follow(); });
root.querySelector('[data-cmd="prev"]').addEventListener("click", () => quiet(send("agenda.goto", { direction: "previous" })));
root.querySelector('[data-cmd="next"]').addEventListener("click", () => quiet(send("agenda.goto", { direction: "next" })));

function renderSound() {
  const on = soundOn();
  $("[data-sound]").setAttribute("aria-pressed", String(on));
  $("[data-sound]").title = on ? T.sound_is_on : T.sound_is_off;
}
$("[data-sound]").addEventListener("click", () => { setSound(!soundOn()); renderSound(); });
renderSound();

// Keys (documented in the "?" dialog): pages for everyone, the chair's steps for the chair.
const layout = setupLayout(root, {
  pageView,
  keys: {
    ArrowLeft: () => presenting.step(-1),
    ArrowRight: () => presenting.step(1),
    PageUp: () => presenting.step(-1),
    PageDown: () => presenting.step(1),
    f: () => presenting.follow(),
    n: () => state && state.me.can_control && quiet(send("agenda.goto", { direction: "next" })),
    p: () => state && state.me.can_control && quiet(send("agenda.goto", { direction: "previous" })),
    g: () => {
      const next = state && state.me.can_control && state.speakers.find((s) => s.status === "waiting" && s.item === state.current_item);
      if (next) quiet(send("speaker.grant", { request: next.id }));
    },
    e: () => state && state.me.can_control && state.speakers.some((s) => s.status === "speaking") && quiet(send("speaker.end")),
    k: () => state && votes.closeOpen(),
    c: () => state && state.me.can_control && state.current_item !== null && openConclusion(state.current_item),
    v: () => {
      const box = $("[data-vote-new]");
      if (!box) return;
      layout.openPane("votes");
      box.open = true;
      box.querySelector("input").focus();
    },
  },
  onSwipe: (d) => presenting.step(d),
});

setInterval(renderTimer, 1000);
renderConnection("connecting");
socket.start();
