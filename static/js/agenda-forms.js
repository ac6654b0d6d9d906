// Small form helpers of the meeting pages (no dependencies):
// - form[data-once]: disable its submit buttons once submitted, so a double tap
//   sends one request (the server is idempotent anyway);
// - form[data-confirm]: ask before submitting;
// - select[data-submit-on-change]: submit its form when the choice changes.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.hasAttribute("data-once")) {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // Disable after the browser has collected the submitter's name/value.
    setTimeout(() => {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => {
        b.disabled = true;
      });
    }, 0);
  }
});

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change")) {
    field.form?.submit();
  }
});
