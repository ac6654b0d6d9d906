// The room's presentation: the page on screen (the presenter's, or one the
// delegate browses alone until "back to the presenter"), the page buttons, the
// toast when a new document is presented, and the presenter's controls (which
// document, who presents).

import { alert } from "./room-alerts.js";
import { el, fmt, keepFocus } from "./room-util.js";

export function createPresenting(ctx) {
  const { root, T, pageView } = ctx;
  const $ = (sel) => root.querySelector(sel);
  const { send, quiet } = ctx;
  let following = true; // the viewer follows the presenter
  let ownPage = null; // {document, page} while browsing alone
  let shownDocument = undefined; // the presented document last seen (toast on change)

  const running = (state) => state.meeting.status === "in_progress";

  function browse(page) {
    const state = ctx.getState();
    const base = !following && ownPage ? ownPage : state.presentation;
    if (!base) return;
    const target = Math.min(base.pages, Math.max(1, page));
    if (target === base.page) return;
    if (state.me.can_present && following) {
      quiet(send("present.page", { document: base.document, page: target }));
    } else {
      following = false;
      ownPage = { ...base, page: target, region: null, src: base.src ? base.src.replace(/\/pages\/\d+\/$/, `/pages/${target}/`) : null };
      render();
    }
  }

  function step(d) {
    const state = ctx.getState();
    const base = !following && ownPage ? ownPage : state && state.presentation;
    if (base) browse(base.page + d);
  }

  function follow() {
    following = true;
    ownPage = null;
    render();
  }

  // The agenda moved on: everyone follows the presenter again.
  function reset() {
    following = true;
    ownPage = null;
  }

  // The first room.state: what is presented already is no news.
  function start(state) {
    shownDocument = state.presentation ? state.presentation.document : null;
  }

  // The keyboard's focus stays on the control that had it (room-util.js).
  function render() {
    keepFocus(root, draw);
  }

  function draw() {
    const state = ctx.getState();
    const box = $("[data-viewer]");
    const p = state.presentation;
    const shown = !following && ownPage ? ownPage : p;
    root.dataset.presenting = shown ? "1" : "0";
    if (!shown) {
      box.replaceChildren(el("p", { class: "empty", text: T.no_presentation }));
    } else {
      const bar = el("div", { class: "viewer-bar" });
      bar.append(el("button", { class: "btn btn-icon", type: "button", text: "‹", "aria-label": T.page_prev, title: T.page_prev, "data-page-prev": true, disabled: shown.page <= 1, onclick: () => step(-1) }));
      bar.append(el("span", { class: "viewer-title", text: `${shown.title} — ${fmt(T.page_of, { page: shown.page, pages: shown.pages })}` }));
      if (following) bar.append(el("span", { class: "badge follow", text: T.follow }));
      else bar.append(el("button", { class: "btn btn-primary", type: "button", text: T.back_to_presenter, "data-back": true, onclick: follow }));
      bar.append(el("button", { class: "btn btn-icon", type: "button", text: "›", "aria-label": T.page_next, title: T.page_next, "data-page-next": true, disabled: shown.page >= shown.pages, onclick: () => step(1) }));
      const alt = fmt(T.page_of, { page: shown.page, pages: shown.pages });
      const pageNode = pageView.show(shown, { region: following ? shown.region : null, alt });
      if (!pageView.link.hidden) bar.insertBefore(pageView.link, bar.lastElementChild); // one row
      // The page stays in place across renders (a stroke being drawn survives).
      if (pageNode.parentNode === box) box.firstElementChild.replaceWith(bar);
      else box.replaceChildren(bar, pageNode);
      pageView.fit();
    }
    renderControls(state);
  }

  function notice() {
    const state = ctx.getState();
    const doc = state.presentation ? state.presentation.document : null;
    if (doc === shownDocument) return;
    shownDocument = doc;
    if (doc === null || state.me.can_present) return;
    // A new document on the presenter's screen: say so over whatever is open.
    alert();
    const toast = $("[data-toast]");
    $("[data-toast-text]").textContent = fmt(T.now_presenting, { title: state.presentation.title });
    $("[data-toast-follow]").hidden = false;
    toast.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { toast.hidden = true; }, 6000);
  }

  function renderControls(state) {
    const box = $("[data-present-controls]");
    box.replaceChildren();
    const canPresent = state.me.can_present && running(state);
    box.hidden = !canPresent;
    if (!canPresent) return;
    const current = state.agenda.find((i) => i.id === state.current_item);
    const docs = current ? current.documents.filter((d) => d.ready) : [];
    const row = el("div", { class: "row-controls" });
    if (!docs.length) {
      row.append(el("p", { class: "muted", text: T.no_documents }));
    } else {
      const select = el("select", { "aria-label": T.choose_document, "data-present-doc": true });
      for (const d of docs) select.append(el("option", { value: d.id, text: d.title }));
      if (state.presentation) select.value = String(state.presentation.document);
      row.append(
        select,
        el("button", { class: "btn btn-primary", type: "button", text: T.present, "data-present": true, onclick: () => quiet(send("present.page", { document: Number(select.value), page: 1 })) }),
        state.presentation ? el("button", { class: "btn", type: "button", text: T.present_stop, onclick: () => quiet(send("present.stop")) }) : null,
      );
    }
    if (state.me.can_control) {
      const who = el("select", { "aria-label": T.presenter_assign });
      who.append(el("option", { value: "", text: T.nobody }));
      for (const p of state.participants) who.append(el("option", { value: p.user, text: p.name }));
      who.value = state.presenter ? String(state.presenter) : "";
      who.addEventListener("change", () => quiet(send("present.assign", { user: who.value ? Number(who.value) : null })));
      row.append(who);
    }
    box.append(row);
  }

  return { render, notice, step, follow, reset, start };
}
