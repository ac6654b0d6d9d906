// The live meeting room page: applies room.state and events to the screen.
// The socket (reconnects, seq, re-sent commands) lives in room-socket.js.

import { RoomSocket } from "./room-socket.js";
import { RoomPageView } from "./room-viewer.js";

const root = document.getElementById("room");
const T = JSON.parse(document.getElementById("room-strings").textContent);
const me = Number(root.dataset.user);
const $ = (sel) => root.querySelector(sel);

let state = null;
let clockOffset = 0; // server time - local time, from room.state.now
let following = true; // the viewer follows the presenter
let ownPage = null; // {document, page} while browsing alone
let lastReceipt = {}; // vote id -> receipt code (also kept in localStorage)
const RESYNC = new Set(["participants.changed", "meeting.updated", "agenda.changed"]);
const pageView = new RoomPageView(root.dataset.annotationsUrl); // page + annotation layer
window.nghisuRoomPage = pageView;

function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? ""));
}

function el(tag, attrs = {}, ...children) {
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

function csrfToken() {
  const body = document.body.getAttribute("hx-headers");
  try {
    return JSON.parse(body)["X-CSRFToken"];
  } catch (err) {
    return "";
  }
}

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
    ownPage = null;
    following = true;
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
};

function onState(fresh) {
  if (state) pageView.onRoomEvent({ type: "room.state" }); // reconnected: reload notes
  state = fresh;
  clockOffset = Date.parse(fresh.now) - Date.now();
  render();
}

function onEvent(event) {
  if (!state) return;
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
      renderVotes();
    }
  } else if (signal.type === "presence") {
    state.presence = signal.present;
    renderPeople();
  } else if (signal.type === "vote.voted") {
    if (!(String(signal.vote) in state.my_votes)) state.my_votes[String(signal.vote)] = null;
    renderVotes();
  }
}

socket.addEventListener("state", (e) => onState(e.detail));
socket.addEventListener("event", (e) => onEvent(e.detail));
socket.addEventListener("signal", (e) => onSignal(e.detail));
socket.addEventListener("status", (e) => renderConnection(e.detail));
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

function render() {
  if (!state) return;
  const status = $("[data-meeting-status]");
  status.textContent = T[`status_${state.meeting.status}`] || state.meeting.status;
  status.dataset.status = state.meeting.status;
  renderAgenda();
  renderViewer();
  renderVotes();
  renderFloor();
  renderPeople();
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
      row.append(el("button", { class: "btn btn-small", type: "button", text: T.go_here, onclick: () => quiet(send("agenda.goto", { item: it.id })) }));
    }
    list.append(row);
  }
  $("[data-agenda-nav]").hidden = !(state.me.can_control && running());
  renderTimer();
}

function renderTimer() {
  const box = $("[data-timer]");
  const current = state && item(state.current_item);
  if (!current || !current.started_at || !running()) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const seconds = Math.max(0, Math.floor((Date.now() + clockOffset - Date.parse(current.started_at)) / 1000));
  const mm = String(Math.floor(seconds / 60)).padStart(2, "0");
  const ss = String(seconds % 60).padStart(2, "0");
  const planned = current.duration_minutes;
  const over = planned && seconds > planned * 60;
  box.textContent = `${T.elapsed}: ${mm}:${ss}` + (planned ? ` (${fmt(T.planned, { n: planned })})` : "") + (over ? ` — ${T.overtime}` : "");
  box.classList.toggle("over", Boolean(over));
}

function renderViewer() {
  const box = $("[data-viewer]");
  const p = state.presentation;
  const shown = !following && ownPage ? ownPage : p;
  if (!shown) {
    box.replaceChildren(el("p", { class: "empty", text: T.no_presentation }));
  } else {
    const bar = el("div", { class: "viewer-bar" });
    bar.append(el("span", { class: "viewer-title", text: `${shown.title} — ${fmt(T.page_of, { page: shown.page, pages: shown.pages })}` }));
    if (following) bar.append(el("span", { class: "badge follow", text: T.follow }));
    else bar.append(el("button", { class: "btn btn-primary", type: "button", text: T.back_to_presenter, "data-back": true, onclick: () => { following = true; ownPage = null; renderViewer(); } }));
    const alt = fmt(T.page_of, { page: shown.page, pages: shown.pages });
    const pageNode = pageView.show(shown, { region: following ? shown.region : null, alt });
    const nav = el("div", { class: "viewer-nav" });
    const step = (d) => {
      const base = shown;
      const page = Math.min(base.pages, Math.max(1, base.page + d));
      if (state.me.can_present && following) {
        quiet(send("present.page", { document: base.document, page }));
      } else {
        following = false;
        ownPage = { ...base, page, region: null, src: base.src ? base.src.replace(/\/pages\/\d+\/$/, `/pages/${page}/`) : null };
        renderViewer();
      }
    };
    nav.append(
      el("button", { class: "btn", type: "button", text: T.page_prev, disabled: shown.page <= 1, onclick: () => step(-1) }),
      el("button", { class: "btn", type: "button", text: T.page_next, disabled: shown.page >= shown.pages, onclick: () => step(1) }),
    );
    // The page stays in place across renders (a stroke being drawn survives).
    if (pageNode.parentNode === box) {
      box.firstElementChild.replaceWith(bar);
      box.lastElementChild.replaceWith(nav);
    } else {
      box.replaceChildren(bar, pageNode, nav);
    }
  }
  renderPresentControls();
}

function renderPresentControls() {
  const box = $("[data-present-controls]");
  box.replaceChildren();
  const canPresent = state.me.can_present && running();
  box.hidden = !canPresent;
  if (!canPresent) return;
  const current = item(state.current_item);
  const docs = current ? current.documents.filter((d) => d.ready) : [];
  if (!docs.length) {
    box.append(el("p", { class: "muted", text: T.no_documents }));
  } else {
    const select = el("select", { "aria-label": T.choose_document, "data-present-doc": true });
    for (const d of docs) select.append(el("option", { value: d.id, text: d.title }));
    if (state.presentation) select.value = String(state.presentation.document);
    box.append(
      el("div", { class: "row-controls" },
        select,
        el("button", { class: "btn btn-primary", type: "button", text: T.present, "data-present": true, onclick: () => quiet(send("present.page", { document: Number(select.value), page: 1 })) }),
        state.presentation ? el("button", { class: "btn", type: "button", text: T.present_stop, onclick: () => quiet(send("present.stop")) }) : null,
      ),
    );
  }
  if (state.me.can_control) {
    const who = el("select", { "aria-label": T.presenter_assign });
    who.append(el("option", { value: "", text: T.nobody }));
    for (const p of state.participants) who.append(el("option", { value: p.user, text: p.name }));
    who.value = state.presenter ? String(state.presenter) : "";
    who.addEventListener("change", () => quiet(send("present.assign", { user: who.value ? Number(who.value) : null })));
    box.append(el("label", { class: "row-controls" }, el("span", { text: T.presenter_assign }), who));
  }
}

function optionLabel(v, key) {
  const o = v.options.find((x) => x.key === key);
  return o ? o.label : key;
}

function renderVoteCard(v) {
  const card = el("article", { class: `vote vote-${v.status}`, "data-vote": v.id });
  card.append(el("h3", { text: v.question }), el("p", { class: "muted" }, `${v.kind === "secret" ? T.kind_secret : T.kind_open} · ${T[v.status]}`));
  const mine = state.my_votes[String(v.id)];
  const voted = String(v.id) in state.my_votes;
  if (v.status === "open") {
    card.append(el("p", { class: "progress", "data-progress": true, text: fmt(T.cast_count, { n: v.cast || 0 }) }));
    if (v.counts) {
      card.append(el("ul", { class: "counts" }, v.options.map((o) => el("li", {}, el("span", { text: o.label }), el("strong", { text: v.counts[o.key] || 0 })))));
    }
    const canVote = state.me.voting_right && state.me.attendance === "present";
    if (!state.me.voting_right) card.append(el("p", { class: "muted", text: T.no_right }));
    else if (state.me.attendance !== "present") card.append(el("p", { class: "warn", text: T.not_checked_in }));
    if (canVote && (!voted || v.allow_change)) {
      const buttons = el("div", { class: "vote-buttons" });
      for (const o of v.options) {
        buttons.append(el("button", {
          class: `btn vote-btn opt-${o.key} ${mine === o.key ? "chosen" : ""}`,
          type: "button",
          text: o.label,
          "data-option": o.key,
          onclick: (ev) => castVote(v, o.key, ev.currentTarget),
        }));
      }
      card.append(buttons);
    }
    if (voted) card.append(receiptLine(v, mine));
    if (state.me.can_preside) {
      card.append(el("button", { class: "btn btn-primary", type: "button", text: T.vote_close, "data-vote-close": v.id, onclick: () => quiet(send("vote.close", { vote: v.id })) }));
    }
  } else if (v.status === "closed" && v.result) {
    card.append(renderResult(v));
    if (voted) card.append(receiptLine(v, mine));
  } else if (v.status === "draft" && state.me.can_preside && running()) {
    card.append(el("button", { class: "btn btn-primary", type: "button", text: T.vote_open, "data-vote-open": v.id, onclick: () => quiet(send("vote.open", { vote: v.id })) }));
  }
  return card;
}

function receiptLine(v, mine) {
  const code = lastReceipt[v.id] || localStorage.getItem(`nghisu.receipt.${v.id}`);
  const parts = [T.voted];
  if (mine) parts.push(` — ${T.your_choice}: ${optionLabel(v, mine)}`);
  const p = el("p", { class: "voted", "data-voted": v.id }, parts.join(""));
  if (code) p.append(el("br"), el("span", {}, `${T.receipt}: `), el("code", { "data-receipt": true, text: code }));
  return p;
}

function renderResult(v) {
  const r = v.result;
  const box = el("div", { class: "result", "data-result": v.id });
  box.append(el("p", { class: `verdict ${r.passed ? "yes" : "no"}`, text: r.passed ? T.passed : T.not_passed }));
  if (r.tie && (r.tie_break || "").startsWith("chair_")) box.append(el("p", { class: "muted", text: T.tie_chair }));
  const table = el("table", { class: "table" });
  const rows = [
    [T.entitled, r.entitled],
    [T.issued, r.issued],
    [T.returned, r.returned],
    [T.required, r.required],
    ...v.options.map((o) => [o.label, r.counts[o.key] || 0]),
  ];
  for (const [k, n] of rows) table.append(el("tr", {}, el("th", { text: k }), el("td", { text: n })));
  box.append(table);
  // The names (open vote) or receipt codes (secret vote) are not in the room's
  // events: fetched once when the panel is opened (cached with an ETag).
  const listBody = el("div", { "data-lists": v.id });
  const details = el("details", {}, el("summary", { text: v.kind === "secret" ? `${T.receipts} (${r.returned})` : T.voters }), listBody);
  details.addEventListener("toggle", () => {
    if (details.open) openLists.add(v.id);
    else openLists.delete(v.id);
    if (details.open) showLists(v, listBody);
  });
  if (openLists.has(v.id)) details.open = true; // stays open across re-renders
  box.append(details);
  box.append(el("a", { class: "btn", href: root.dataset.recordUrl.replace(/\/0\/record\.pdf$/, `/${v.id}/record.pdf`), text: T.record_pdf }));
  return box;
}

const listCache = {}; // vote id -> promise of its lists (frozen at closing)
const openLists = new Set(); // vote ids whose list panel the viewer opened

function fetchLists(id) {
  if (!listCache[id]) {
    const url = root.dataset.listsUrl.replace(/\/0\/lists\/$/, `/${id}/lists/`);
    listCache[id] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
    listCache[id].catch(() => { delete listCache[id]; });
  }
  return listCache[id];
}

function showLists(v, body) {
  if (body.dataset.loaded) return;
  body.replaceChildren(el("p", { class: "muted", text: T.loading }));
  fetchLists(v.id).then((lists) => {
    body.dataset.loaded = "1";
    body.replaceChildren(lists.voters
      ? el("ul", { class: "names" }, lists.voters.map((x) => el("li", {}, `${x.name}: ${optionLabel(v, x.option)}`)))
      : el("p", { class: "receipts" }, lists.receipts.map((c) => el("code", { text: c }))));
  }, () => {
    body.replaceChildren(el("p", { class: "warn", text: T.lists_failed }));
  });
}

function castVote(v, option, button) {
  const buttons = button.parentElement.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  socket.command("vote.cast", { vote: v.id, option }).then((result) => {
    state.my_votes[String(v.id)] = v.kind === "secret" ? null : result.option || option;
    if (result.receipt) {
      lastReceipt[v.id] = result.receipt;
      try { localStorage.setItem(`nghisu.receipt.${v.id}`, result.receipt); } catch (err) { /* private mode */ }
    }
    renderVotes();
  }, (error) => {
    buttons.forEach((b) => { b.disabled = false; });
    if (error && error.code === "already_voted") state.my_votes[String(v.id)] = state.my_votes[String(v.id)] ?? null;
    showError(error);
    renderVotes();
  });
}

function renderVotes() {
  if (!state) return;
  root.dataset.hasOpenVote = state.votes.some((v) => v.status === "open") ? "1" : "0";
  const box = $("[data-votes]");
  box.replaceChildren();
  const shown = state.votes.filter((v) => v.status !== "draft" || state.me.can_control);
  if (!shown.length) box.append(el("p", { class: "empty", text: T.no_votes }));
  const order = { open: 0, draft: 1, closed: 2 };
  // The open vote, then prepared ones in the order prepared, then results, newest first.
  shown.sort((a, b) => order[a.status] - order[b.status] || (a.status === "closed" ? b.id - a.id : a.id - b.id));
  for (const v of shown) box.append(renderVoteCard(v));
  renderVoteControls();
}

function renderVoteControls() {
  const box = $("[data-vote-controls]");
  const show = state.me.can_control && running() && state.current_item !== null;
  box.hidden = !show;
  if (!show || box.dataset.built) return;
  box.dataset.built = "1";
  const question = el("input", { type: "text", maxlength: 500, "aria-label": T.question, placeholder: T.question, "data-vote-question": true });
  const kind = el("select", { "aria-label": T.kind_open, "data-vote-kind": true }, el("option", { value: "open", text: T.kind_open }), el("option", { value: "secret", text: T.kind_secret }));
  const twoThirds = el("input", { type: "checkbox" });
  const fields = () => ({ question: question.value, kind: kind.value, threshold: twoThirds.checked ? "two_thirds" : "majority" });
  const done = () => { question.value = ""; };
  box.append(
    el("h3", { text: T.vote_prepare }),
    question,
    el("div", { class: "row-controls" }, kind, el("label", { class: "check" }, twoThirds, el("span", { text: T.two_thirds }))),
    el("div", { class: "row-controls" },
      el("button", { class: "btn", type: "button", text: T.vote_prepare, onclick: () => send("vote.prepare", fields()).then(done, () => {}) }),
      state.me.can_preside ? el("button", { class: "btn btn-primary", type: "button", text: T.vote_open, "data-vote-create-open": true, onclick: () => send("vote.open", fields()).then(done, () => {}) }) : null,
    ),
  );
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
  if (!queue.length) {
    box.append(el("p", { class: "empty", text: T.no_speakers }));
    return;
  }
  const list = el("ol", { class: "list speakers" });
  for (const s of queue) {
    const row = el("li", { class: `row speaker ${s.status}` }, el("span", { class: "grow", text: s.name }), el("span", { class: "badge", text: T[s.status] }));
    if (state.me.can_control && s.status === "waiting") row.append(el("button", { class: "btn", type: "button", text: T.grant, onclick: () => quiet(send("speaker.grant", { request: s.id })) }));
    if (s.status === "speaking" && (state.me.can_control || s.user === me)) row.append(el("button", { class: "btn", type: "button", text: T.end_speech, onclick: () => quiet(send("speaker.end")) }));
    list.append(row);
  }
  box.append(list);
}

function renderPeople() {
  if (!state) return;
  const card = $("[data-people-card]");
  const q = state.quorum;
  $("[data-quorum]").textContent = fmt(T.quorum, q);
  const controls = $("[data-meeting-controls]");
  controls.replaceChildren();
  if (state.me.can_control) {
    if (state.meeting.status === "published") controls.append(el("button", { class: "btn btn-primary", type: "button", text: T.start, "data-start": true, onclick: () => quiet(send("meeting.start")) }));
    if (running()) controls.append(el("button", { class: "btn", type: "button", text: T.close_meeting, onclick: () => { if (confirm(T.confirm_close)) quiet(send("meeting.close")); } }));
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
      row.append(el("button", { class: "btn btn-small", type: "button", text: T.checkin, onclick: () => quiet(send("attendance.checkin", { user: p.user })) }));
    }
    list.append(row);
  }
}

root.querySelector('[data-cmd="prev"]').addEventListener("click", () => quiet(send("agenda.goto", { direction: "previous" })));
root.querySelector('[data-cmd="next"]').addEventListener("click", () => quiet(send("agenda.goto", { direction: "next" })));
setInterval(renderTimer, 1000);
renderConnection("connecting");
socket.start();
