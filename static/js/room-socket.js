// The one owner of a meeting room's WebSocket (protocol 1, docs/protocol.md).
//
// - Reconnects with exponential backoff and full jitter (0.5 s doubling to 30 s),
//   at once when the browser comes back online; never after 4401/4403.
// - Keeps `seq`: events are applied in order; an early event waits briefly for
//   the missing one, then the client asks `room.sync` (also after every reconnect).
// - Every command carries an id and stays pending until answered (`ack` or
//   `error`); unanswered commands are re-sent with the same id after a reconnect,
//   and the server answers a re-sent command without doing it twice.
// - Reports its state: "connecting", "open", "reconnecting", "offline",
//   "signed-out", "forbidden".

const GAP_WAIT_MS = 600;
const PING_EVERY_MS = 25000;
const SILENCE_LIMIT_MS = 70000;
const FINAL_CODES = new Set([4401, 4403]);

function newId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class RoomSocket extends EventTarget {
  constructor(path, { fallbackCast = null } = {}) {
    super();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = `${scheme}//${location.host}${path}`;
    this.fallbackCast = fallbackCast;
    this.seq = null;
    this.pending = new Map(); // id -> {message, resolve, reject}
    this.early = new Map(); // seq -> event waiting for the ones before it
    this.attempt = 0;
    this.ws = null;
    this.status = "connecting";
    this.stopped = false;
    this.gapTimer = null;
    this.retryTimer = null;
    this.lastHeard = Date.now();
    addEventListener("online", () => this.reconnectNow());
    addEventListener("offline", () => this.setStatus("offline"));
    setInterval(() => this.keepAlive(), PING_EVERY_MS);
  }

  start() {
    this.connect();
    return this;
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.setStatus(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
    };
    ws.onmessage = (msg) => {
      this.lastHeard = Date.now();
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch (err) {
        return;
      }
      this.receive(data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (FINAL_CODES.has(ev.code)) {
        this.stopped = true;
        this.setStatus(ev.code === 4401 ? "signed-out" : "forbidden");
        return;
      }
      if (ev.code === 4000) this.attempt = 0; // rights changed: come back at once
      this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    if (this.stopped) return;
    this.setStatus(navigator.onLine === false ? "offline" : "reconnecting");
    const cap = Math.min(30000, 500 * 2 ** this.attempt);
    const delay = this.attempt === 0 ? 200 : cap / 2 + Math.random() * (cap / 2);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      // The link came back before the socket noticed it was gone: say so, and
      // check with a fresh room.state that nothing was missed meanwhile.
      this.setStatus("open");
      this.sync();
      return;
    }
    this.attempt = 0;
    this.connect();
  }

  keepAlive() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) {
      this.ws.close(); // a dead link on a weak network: start again
      return;
    }
    this.ws.send('{"type":"ping"}');
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  receive(data) {
    const type = data.type;
    if (type === "room.state") {
      this.seq = data.seq;
      this.attempt = 0;
      this.setStatus("open");
      this.early.clear();
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
      this.dispatchEvent(new CustomEvent("state", { detail: data }));
      this.settle(data.id, data);
      this.resendPending();
      return;
    }
    if (type === "ack" || type === "error") {
      if (data.id !== undefined && data.id !== null) {
        this.settle(data.id, data);
      } else if (type === "error") {
        this.dispatchEvent(new CustomEvent("problem", { detail: data }));
      }
      return;
    }
    if (type === "pong") return;
    if (typeof data.seq !== "number") {
      this.dispatchEvent(new CustomEvent("signal", { detail: data }));
      return;
    }
    if (this.seq === null || data.seq <= this.seq) return;
    if (data.seq === this.seq + 1) {
      this.apply(data);
      let next;
      while ((next = this.early.get(this.seq + 1))) {
        this.early.delete(next.seq);
        this.apply(next);
      }
      if (!this.early.size) {
        clearTimeout(this.gapTimer);
        this.gapTimer = null;
      }
      return;
    }
    this.early.set(data.seq, data);
    if (!this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.early.size) this.sync();
      }, GAP_WAIT_MS);
    }
  }

  apply(event) {
    this.seq = event.seq;
    this.dispatchEvent(new CustomEvent("event", { detail: event }));
  }

  sync() {
    this.early.clear();
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: "room.sync", id: newId() }));
    }
  }

  settle(id, answer) {
    if (id === undefined || id === null) return;
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.dispatchEvent(new CustomEvent("pending", { detail: this.pending.size }));
    if (answer.type === "error") entry.reject(answer);
    else entry.resolve(answer.result !== undefined ? answer.result : answer);
  }

  resendPending() {
    for (const entry of this.pending.values()) {
      this.ws.send(JSON.stringify(entry.message));
    }
  }

  // Send a command; resolves with the ack's result, rejects with the error.
  command(type, fields = {}) {
    const id = newId();
    const message = { type, id, ...fields };
    return new Promise((resolve, reject) => {
      const open = this.ws && this.ws.readyState === WebSocket.OPEN && this.status === "open";
      if (!open && type === "vote.cast" && this.fallbackCast) {
        // The socket is down (Redis restarting, a proxy): vote over HTTP.
        this.fallbackCast(fields.vote, fields.option, id).then((answer) => {
          if (answer.type === "ack") resolve(answer.result);
          else reject(answer);
        }, () => {
          this.pending.set(id, { message, resolve, reject });
        });
        return;
      }
      this.pending.set(id, { message, resolve, reject });
      this.dispatchEvent(new CustomEvent("pending", { detail: this.pending.size }));
      if (open) this.ws.send(JSON.stringify(message));
    });
  }

  // For tests and for the "network drop" demo: drop the link as a tunnel would.
  drop() {
    if (this.ws) this.ws.close();
  }
}
