// What must not be missed in the room: dialogs over whatever is on screen, a
// short beep (Web Audio, no sound file) and a vibration where the device has
// one. Sound and vibration are the user's to mute (kept in localStorage).
//
// - `alert()` beeps and vibrates (unless muted);
// - `confirmDialog(root, {title, text, yes})` resolves true/false: the room's
//   irreversible steps ask through it (never window.confirm);
// - `showModal(dialog)` / `closeDialog(dialog)` keep one <dialog> at a time.

const SOUND_KEY = "nghisu.room.sound";
let audio = null;

export function soundOn() {
  try {
    return localStorage.getItem(SOUND_KEY) !== "off";
  } catch {
    return true;
  }
}

export function setSound(on) {
  try {
    localStorage.setItem(SOUND_KEY, on ? "on" : "off");
  } catch {
    /* private mode: on for this page only */
  }
}

function beep() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
    const now = audio.currentTime;
    for (const [start, freq] of [[0, 880], [0.18, 1175]]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + start);
      gain.gain.exponentialRampToValueAtTime(0.25, now + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + start + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + start);
      osc.stop(now + start + 0.17);
    }
  } catch {
    /* no audio output: the dialog is enough */
  }
}

// Beep and vibrate for something the user must see now.
export function alert() {
  if (!soundOn()) return;
  beep();
  if (navigator.vibrate) {
    try {
      navigator.vibrate([120, 60, 120]);
    } catch {
      /* not allowed here */
    }
  }
  window.nghisuAlerts = (window.nghisuAlerts || 0) + 1; // lets the browser tests count them
}

export function showModal(dialog) {
  if (dialog.open) return;
  for (const other of document.querySelectorAll("dialog[open]")) {
    if (other !== dialog && other.dataset.yield !== "no") other.close();
  }
  dialog.showModal();
}

export function closeDialog(dialog) {
  if (dialog.open) dialog.close();
}

// Ask before an irreversible step; resolves true when confirmed.
export function confirmDialog(root, { title, text, yes }) {
  const dialog = root.querySelector("[data-confirm]");
  dialog.querySelector("[data-confirm-title]").textContent = title;
  dialog.querySelector("[data-confirm-text]").textContent = text || "";
  const yesButton = dialog.querySelector("[data-confirm-yes]");
  const noButton = dialog.querySelector("[data-confirm-no]");
  yesButton.textContent = yes;
  return new Promise((resolve) => {
    const done = (answer) => {
      yesButton.removeEventListener("click", onYes);
      noButton.removeEventListener("click", onNo);
      dialog.removeEventListener("close", onNo);
      closeDialog(dialog);
      resolve(answer);
    };
    const onYes = () => done(true);
    const onNo = () => done(false);
    yesButton.addEventListener("click", onYes);
    noButton.addEventListener("click", onNo);
    dialog.addEventListener("close", onNo);
    dialog.dataset.yield = "no";
    showModal(dialog);
    noButton.focus(); // the safe choice has the focus
  });
}
