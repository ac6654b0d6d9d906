// Upload progress for a plain upload form (form[data-upload-progress]): the
// file goes by XMLHttpRequest so that the bytes sent can be shown, with the
// Documents page's markup (.upload-progress, a <progress> and its label). The
// server answers JSON: {"location"} to go to, or {"message"} of a refusal.

for (const form of document.querySelectorAll("form[data-upload-progress]")) {
  const box = form.querySelector(".upload-progress");
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-upload-label]");
  const error = form.querySelector("[data-upload-error]");
  const button = form.querySelector("button[type=submit]");
  const uploading = form.dataset.uploading;
  const processing = form.dataset.processing;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    box.hidden = false;
    error.hidden = true;
    button.disabled = true;
    bar.value = 0;
    label.textContent = `${uploading} 0%`;
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable || !e.total) return;
      const percent = Math.min(100, Math.round((100 * e.loaded) / e.total));
      bar.value = percent;
      label.textContent = percent < 100 ? `${uploading} ${percent}%` : processing;
    });
    const fail = (message) => {
      box.hidden = true;
      button.disabled = false;
      error.textContent = message || form.dataset.failed;
      error.hidden = false;
    };
    xhr.addEventListener("load", () => {
      const data = xhr.response || {};
      if (xhr.status < 400 && data.location) location.assign(data.location);
      else fail(data.message);
    });
    xhr.addEventListener("error", () => fail(""));
    xhr.send(new FormData(form));
  });
}
