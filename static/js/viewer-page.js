// Start the viewer on a document page and keep ?page= in the address bar.
import { createViewer } from "./viewer.js";

const root = document.getElementById("viewer");
const configNode = document.getElementById("viewer-config");
if (root && configNode) {
  const config = JSON.parse(configNode.textContent);
  const viewer = createViewer(root, config, { startPage: Number(root.dataset.startPage) || 1 });
  viewer.addEventListener("pagechange", (event) => {
    const url = new URL(window.location.href);
    url.searchParams.set("page", String(event.detail.page));
    window.history.replaceState(null, "", url);
  });
  window.nghisuViewer = viewer;
}
