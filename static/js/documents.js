// Documents pages: show refusals (422) that htmx would drop, and the byte-upload
// progress of the upload form (htmx xhr progress events).
document.body.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

const form = document.getElementById("upload-form");
if (form) {
  const box = form.querySelector(".upload-progress");
  const bar = document.getElementById("upload-bar");
  const label = document.getElementById("upload-label");
  const uploadingText = form.dataset.uploading || "Đang tải lên";
  const processingText = form.dataset.processing || "Đang kiểm tra tệp…";
  form.addEventListener("htmx:beforeRequest", () => {
    box.hidden = false;
    bar.value = 0;
    label.textContent = `${uploadingText} 0%`;
  });
  form.addEventListener("htmx:xhr:progress", (event) => {
    const { loaded, total, lengthComputable } = event.detail;
    if (!lengthComputable || !total) return;
    const percent = Math.min(100, Math.round((100 * loaded) / total));
    bar.value = percent;
    label.textContent = percent < 100 ? `${uploadingText} ${percent}%` : processingText;
  });
  form.addEventListener("htmx:afterRequest", (event) => {
    box.hidden = true;
    if (event.detail.successful) form.reset();
  });
}
