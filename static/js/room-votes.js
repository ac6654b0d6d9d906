// The room's votes: the cards in the votes pane, the ballot sheet that comes
// over the screen when a vote opens, the chair's controls (closing early asks
// first) and the conclusion text a closed vote suggests.
//
// A ballot tapped while the link is down stays pending ("Đang chờ gửi…") and
// is confirmed once sent; the choice is shown back from `my_votes` (room.state),
// on every device of the voter for an open vote. For a secret vote the server
// knows only that the user voted: "Bạn đã bỏ phiếu" (and the receipt on the
// device that cast it). A ballot the server refuses because the vote closed
// before it arrived says plainly that it was not counted.

import { alert, closeDialog, confirmDialog, showModal } from "./room-alerts.js";
import { el, fmt, keepFocus, percent } from "./room-util.js";

export function createVotes(ctx) {
  const { root, T, socket } = ctx;
  const $ = (sel) => root.querySelector(sel);
  const sheet = $("[data-ballot]");
  const chip = $('[data-chip="ballot"]');
  const aside = new Set(); // open votes the user put aside
  const alerted = new Set(); // open votes already announced on this device
  const pending = new Map(); // vote id -> option being sent
  const notCounted = new Map(); // vote id -> option sent after the vote closed
  const lastReceipt = {}; // vote id -> receipt code (also in localStorage)
  const listCache = {};
  const openLists = new Set();
  let sheetVote = null;
  let closeTimer = null;

  const state = () => ctx.getState();
  const vote = (id) => state().votes.find((v) => v.id === id);
  const voted = (v) => String(v.id) in state().my_votes;
  const canVote = () => state().me.voting_right && state().me.attendance === "present";

  function optionLabel(v, key) {
    const o = v.options.find((x) => x.key === key);
    return o ? o.label : key;
  }

  function statusText(v) {
    if (notCounted.has(v.id) && !voted(v)) {
      return fmt(T.not_counted, { option: optionLabel(v, notCounted.get(v.id)) });
    }
    if (pending.has(v.id)) {
      const label = fmt(T.your_choice_is, { option: optionLabel(v, pending.get(v.id)) });
      return `${socket.status === "open" ? T.sending : T.waiting_to_send} ${label}`;
    }
    if (!voted(v)) return "";
    const mine = state().my_votes[String(v.id)];
    return mine ? fmt(T.your_choice_is, { option: optionLabel(v, mine) }) : T.voted_secret;
  }

  function receiptNode(v) {
    const code = lastReceipt[v.id] || localStorage.getItem(`nghisu.receipt.${v.id}`);
    if (!code) return null;
    return el("span", { class: "receipt" }, `${T.receipt}: `, el("code", { "data-receipt": true, text: code }));
  }

  function optionButtons(v) {
    const mine = state().my_votes[String(v.id)];
    const chosen = pending.get(v.id) || mine;
    const box = el("div", { class: "vote-buttons" });
    for (const o of v.options) {
      box.append(el("button", {
        class: `btn vote-btn opt-${o.key} ${chosen === o.key ? "chosen" : ""}`,
        type: "button",
        text: o.label,
        "data-option": o.key,
        "aria-pressed": chosen === o.key ? "true" : "false",
        disabled: pending.has(v.id) || (voted(v) && !v.allow_change),
        onclick: () => cast(v, o.key),
      }));
    }
    return box;
  }

  function cast(v, option) {
    if (pending.has(v.id)) return;
    pending.set(v.id, option);
    render();
    socket.command("vote.cast", { vote: v.id, option }).then((result) => {
      pending.delete(v.id);
      state().my_votes[String(v.id)] = v.kind === "secret" ? null : result.option || option;
      if (result.receipt) {
        lastReceipt[v.id] = result.receipt;
        try { localStorage.setItem(`nghisu.receipt.${v.id}`, result.receipt); } catch (err) { /* private mode */ }
      }
      render();
    }, (error) => {
      pending.delete(v.id);
      if (error && (error.code === "vote_closed" || error.code === "bad_status")) {
        // Tapped during an outage, sent after the vote closed: say it plainly.
        notCounted.set(v.id, option);
        ctx.showError({ message: fmt(T.not_counted, { option: optionLabel(v, option) }) });
        render();
        return;
      }
      if (error && error.code === "already_voted") state().my_votes[String(v.id)] = state().my_votes[String(v.id)] ?? null;
      ctx.showError(error);
      render();
    });
  }

  // --- the ballot sheet --------------------------------------------------------------
  function openSheet(v) {
    sheetVote = v.id;
    aside.delete(v.id);
    fillSheet(v);
    showModal(sheet);
  }

  function fillSheet(v) {
    sheet.querySelector("[data-ballot-question]").textContent = v.question;
    sheet.querySelector("[data-ballot-kind]").textContent = v.kind === "secret" ? T.kind_secret : T.kind_open;
    const options = sheet.querySelector("[data-ballot-options]");
    options.replaceChildren(...(canVote() ? [optionButtons(v)] : []));
    const status = sheet.querySelector("[data-ballot-status]");
    status.replaceChildren(statusText(v));
    const receipt = receiptNode(v);
    if (receipt && voted(v)) status.append(el("br"), receipt);
    status.dataset.state = pending.has(v.id) ? "pending" : voted(v) ? "done" : "";
    sheet.querySelector("[data-ballot-later]").textContent = voted(v) ? T.close : T.later;
  }

  sheet.querySelector("[data-ballot-later]").addEventListener("click", () => closeDialog(sheet));
  sheet.addEventListener("close", () => {
    if (sheetVote !== null) aside.add(sheetVote);
    sheetVote = null;
    clearTimeout(closeTimer);
  });
  chip.addEventListener("click", () => {
    const v = state() && state().votes.find((x) => x.status === "open");
    if (v) openSheet(v);
  });

  function updateSheet() {
    const s = state();
    const open = s.votes.find((v) => v.status === "open");
    const needs = open && canVote() && !voted(open) && !pending.has(open.id);
    chip.hidden = !(open && canVote() && !voted(open));
    if (open && !alerted.has(open.id) && needs) {
      alerted.add(open.id);
      alert();
      openSheet(open);
      return;
    }
    if (sheetVote === null) return;
    const v = vote(sheetVote);
    if (!v || v.status !== "open") {
      closeDialog(sheet);
      return;
    }
    fillSheet(v);
    if (voted(v) && !pending.has(v.id) && !closeTimer) {
      closeTimer = setTimeout(() => { closeTimer = null; closeDialog(sheet); }, 2500);
    }
  }

  // --- the votes pane ------------------------------------------------------------------
  function renderCard(v) {
    const s = state();
    const card = el("article", { class: `vote vote-${v.status}`, "data-vote": v.id });
    card.append(el("h3", { text: v.question }), el("p", { class: "muted" }, `${v.kind === "secret" ? T.kind_secret : T.kind_open} · ${T[v.status]}`));
    if (v.status === "open") {
      const members = s.quorum ? s.quorum.members : 0;
      const bar = el("progress", { max: members || 1, value: v.cast || 0, "aria-label": T.cast_progress });
      card.append(el("p", { class: "progress", "data-progress": true, text: fmt(T.cast_of, { n: v.cast || 0, m: members }) }), bar);
      if (v.counts) {
        card.append(el("ul", { class: "counts" }, v.options.map((o) => el("li", {}, el("span", { text: o.label }), el("strong", { text: v.counts[o.key] || 0 })))));
      }
      if (!s.me.voting_right) card.append(el("p", { class: "muted", text: T.no_right }));
      else if (s.me.attendance !== "present") card.append(el("p", { class: "warn", text: T.not_checked_in }));
      // The chair's own ballot is on the sheet, away from "Kết thúc biểu quyết".
      if (canVote() && (!voted(v) || v.allow_change)) {
        card.append(s.me.can_preside
          ? el("button", { class: "btn", type: "button", text: T.open_ballot, "data-open-ballot": true, onclick: () => openSheet(v) })
          : optionButtons(v));
      }
      const text = statusText(v);
      if (text) card.append(el("p", { class: "voted", "data-voted": v.id, "data-state": pending.has(v.id) ? "pending" : "done" }, text, receiptNode(v) ? el("br") : null, receiptNode(v)));
      if (s.me.can_preside) {
        card.append(el("button", { class: "btn btn-primary btn-close-vote", type: "button", text: T.vote_close, "data-vote-close": v.id, onclick: () => askClose(v) }));
      }
    } else if (v.status === "closed" && v.result) {
      card.append(renderResult(v));
      const text = statusText(v);
      const refused = notCounted.has(v.id) && !voted(v) ? "refused" : "done";
      if (text) card.append(el("p", { class: "voted", "data-voted": v.id, "data-state": refused }, text));
    } else if (v.status === "draft" && s.me.can_preside && s.meeting.status === "in_progress") {
      card.append(el("button", { class: "btn btn-primary", type: "button", text: T.vote_open, "data-vote-open": v.id, onclick: () => ctx.quiet(ctx.send("vote.open", { vote: v.id })) }));
    }
    return card;
  }

  // Closing is irreversible: ask first, saying how many ballots are in.
  async function askClose(v) {
    const members = state().quorum ? state().quorum.members : 0;
    const cast = v.cast || 0;
    const title = cast < members ? fmt(T.confirm_close_vote_early, { n: cast, m: members }) : fmt(T.confirm_close_vote, { n: cast, m: members });
    const ok = await confirmDialog(root, { title, text: T.confirm_close_vote_text, yes: T.vote_close });
    if (ok) ctx.quiet(ctx.send("vote.close", { vote: v.id }));
  }

  function renderResult(v) {
    const r = v.result;
    const box = el("div", { class: "result", "data-result": v.id });
    box.append(el("p", { class: `verdict ${r.passed ? "yes" : "no"}`, text: r.passed ? T.passed : T.not_passed }));
    if (r.tie && (r.tie_break || "").startsWith("chair_")) box.append(el("p", { class: "muted", text: T.tie_chair }));
    const table = el("table", { class: "table" });
    const rows = [[T.entitled, r.entitled], [T.issued, r.issued], [T.returned, r.returned], [T.required, r.required], ...v.options.map((o) => [o.label, r.counts[o.key] || 0])];
    for (const [k, n] of rows) table.append(el("tr", {}, el("th", { text: k }), el("td", { text: n })));
    box.append(table);
    const listBody = el("div", { "data-lists": v.id });
    const details = el("details", {}, el("summary", { text: v.kind === "secret" ? `${T.receipts} (${r.returned})` : T.voters }), listBody);
    details.addEventListener("toggle", () => {
      if (details.open) openLists.add(v.id);
      else openLists.delete(v.id);
      if (details.open) showLists(v, listBody);
    });
    if (openLists.has(v.id)) details.open = true;
    box.append(details);
    const actions = el("div", { class: "row-controls" }, el("a", { class: "btn", href: root.dataset.recordUrl.replace(/\/0\/record\.pdf$/, `/${v.id}/record.pdf`), text: T.record_pdf }));
    if (state().me.can_control && v.item) {
      actions.append(el("button", { class: "btn btn-primary", type: "button", text: T.conclusion_record, "data-conclude": v.id, onclick: () => ctx.openConclusion(v.item) }));
    }
    box.append(actions);
    return box;
  }

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

  function renderControls() {
    const s = state();
    const box = $("[data-vote-controls]");
    const show = s.me.can_control && s.meeting.status === "in_progress" && s.current_item !== null;
    box.hidden = !show;
    if (!show || box.dataset.built) return;
    box.dataset.built = "1";
    const question = el("input", { type: "text", maxlength: 500, "aria-label": T.question, placeholder: T.question, "data-vote-question": true });
    const kind = el("select", { "aria-label": T.kind_open, "data-vote-kind": true }, el("option", { value: "open", text: T.kind_open }), el("option", { value: "secret", text: T.kind_secret }));
    const twoThirds = el("input", { type: "checkbox" });
    const fields = () => ({ question: question.value, kind: kind.value, threshold: twoThirds.checked ? "two_thirds" : "majority" });
    const done = () => { question.value = ""; };
    box.append(el("details", { class: "vote-new", "data-vote-new": true },
      el("summary", { text: T.vote_new }),
      question,
      el("div", { class: "row-controls" }, kind, el("label", { class: "check" }, twoThirds, el("span", { text: T.two_thirds }))),
      el("div", { class: "row-controls" },
        el("button", { class: "btn", type: "button", text: T.vote_prepare, onclick: () => ctx.send("vote.prepare", fields()).then(done, () => {}) }),
        s.me.can_preside ? el("button", { class: "btn btn-primary", type: "button", text: T.vote_open, "data-vote-create-open": true, onclick: () => ctx.send("vote.open", fields()).then(done, () => {}) }) : null,
      )));
  }

  // The keyboard's focus stays on the control that had it (room-util.js).
  function render() {
    keepFocus(root, draw);
  }

  function draw() {
    const s = state();
    if (!s) return;
    const hasOpen = s.votes.some((v) => v.status === "open");
    root.dataset.hasOpenVote = hasOpen ? "1" : "0";
    const box = $("[data-votes]");
    box.replaceChildren();
    const shown = s.votes.filter((v) => v.status !== "draft" || s.me.can_control);
    if (!shown.length) box.append(el("p", { class: "empty", text: T.no_votes }));
    const order = { open: 0, draft: 1, closed: 2 };
    shown.sort((a, b) => order[a.status] - order[b.status] || (a.status === "closed" ? b.id - a.id : a.id - b.id));
    for (const v of shown) box.append(renderCard(v));
    renderControls();
    updateSheet();
  }

  // "Tán thành 32/56 đại biểu (57,14%) — Thông qua" from the item's last closed vote.
  function conclusionText(itemId) {
    const closed = state().votes.filter((v) => v.item === itemId && v.status === "closed" && v.result);
    if (!closed.length) return "";
    const v = closed.reduce((a, b) => (b.id > a.id ? b : a));
    const r = v.result;
    const first = v.options[0];
    const n = r.counts[first.key] || 0;
    return `${v.question}: ${first.label} ${n}/${r.entitled} ${T.members_word} (${percent(n, r.entitled)}%) — ${r.passed ? T.passed_word : T.not_passed_word}`;
  }

  // Another device of this user voted: an open vote's choice comes with a fresh state.
  function onVoted(id) {
    const v = vote(id);
    if (!(String(id) in state().my_votes)) {
      state().my_votes[String(id)] = null;
      if (v && v.kind !== "secret" && !pending.has(id)) socket.sync();
    }
    render();
  }

  function closeOpen() {
    const v = state().votes.find((x) => x.status === "open");
    if (v && state().me.can_preside) askClose(v);
  }

  return { render, conclusionText, onVoted, closeOpen };
}
