// Documents pages: show refusals (422) that htmx would drop, the byte-upload
// progress of the upload form (htmx xhr progress events), and buttons that open a
// dialog (button[data-opens-dialog="<dialog id>"]).
document.body.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-opens-dialog]");
  if (button) document.getElementById(button.dataset.opensDialog)?.showModal();
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
