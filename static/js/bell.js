// The notification bell: keeps the unread count in the top bar live through the
// user's own socket (/ws/me/), reconnecting with backoff. Without a socket the
// count from the page load stays, so nothing breaks.
const bell = document.querySelector("[data-bell-count]");

function show(n) {
  if (!bell) return;
  const count = Number(n) || 0;
  bell.textContent = count > 99 ? "99+" : String(count);
  bell.hidden = count === 0;
  document.dispatchEvent(new CustomEvent("notification:count", { detail: { unread: count } }));
}

let delay = 1000;
let socket = null;
let timer = null;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/me/`);
  socket.addEventListener("open", () => { delay = 1000; });
  socket.addEventListener("message", (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    if (data.type === "notification.count") show(data.unread);
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401) return; // signed out: the next page asks to sign in
    const wait = delay + Math.random() * delay * 0.3;
    delay = Math.min(delay * 2, 30000);
    timer = setTimeout(() => { timer = null; connect(); }, wait);
  });
}

if (bell && "WebSocket" in window) connect();
// Reconnect at once when a tablet wakes up or comes back online.
window.addEventListener("online", () => {
  if (socket && socket.readyState === WebSocket.CLOSED) {
    if (timer) clearTimeout(timer);
    timer = null;
    delay = 1000;
    connect();
  }
});
