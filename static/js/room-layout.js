// The room's one-screen layout: the panes (agenda, speakers, votes, people)
// open in a drawer over the page on tablets and stand in columns on the
// chair's console (CSS decides which, by width); the presented page is fitted
// to the space left; keys and swipes turn pages.

const PANES = ["agenda", "floor", "votes", "people"];

export function setupLayout(root, { pageView, keys, onSwipe }) {
  const tabs = [...root.querySelectorAll("[data-tab]")];
  const help = root.querySelector("[data-help-dialog]");

  function openPane(name) {
    root.dataset.panelOpen = "1";
    root.dataset.pane = name;
    for (const tab of tabs) tab.setAttribute("aria-expanded", String(tab.dataset.tab === name));
    const pane = root.querySelector(`[data-pane="${name}"]`);
    if (pane && !consoleMode()) {
      pane.querySelector("h2").setAttribute("tabindex", "-1");
      pane.querySelector("h2").focus({ preventScroll: true });
    }
  }

  function closePanel() {
    root.dataset.panelOpen = "0";
    for (const tab of tabs) tab.setAttribute("aria-expanded", "false");
  }

  function consoleMode() {
    return getComputedStyle(root.querySelector(".room-tabs")).display === "none";
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      if (root.dataset.panelOpen === "1" && root.dataset.pane === tab.dataset.tab) closePanel();
      else openPane(tab.dataset.tab);
    });
  }

  root.querySelector("[data-help]").addEventListener("click", () => help.showModal());
  root.querySelector("[data-help-close]").addEventListener("click", () => help.close());

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest("input, textarea, select, [contenteditable], dialog")) return;
    if (document.querySelector("dialog[open]")) return;
    if (e.key === "Escape" && root.dataset.panelOpen === "1") {
      closePanel();
      return;
    }
    if (e.key === "?") {
      help.showModal();
      e.preventDefault();
      return;
    }
    const n = Number(e.key);
    if (n >= 1 && n <= PANES.length) {
      openPane(PANES[n - 1]);
      return;
    }
    const action = keys[e.key] || keys[e.key.toLowerCase()];
    if (action) {
      e.preventDefault();
      action();
    }
  });

  // The page fills what the layout leaves it, whatever the screen does.
  if (window.ResizeObserver) new ResizeObserver(() => pageView.fit()).observe(pageView.stage);
  addEventListener("resize", () => pageView.fit());
  pageView.addEventListener("swipe", (e) => onSwipe(e.detail));

  return { openPane, closePanel };
}
