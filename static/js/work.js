// Small enhancements of the work forms; every form works without them.

// The assignee: show only the field of the chosen kind (body, unit or person).
const assignee = document.querySelector("[data-assignee]");
if (assignee) {
  const sync = () => {
    const kind = assignee.querySelector("input[type=radio]:checked")?.value || "body";
    for (const field of assignee.querySelectorAll("[data-assignee-field]")) {
      field.hidden = field.dataset.assigneeField !== kind;
    }
  };
  assignee.addEventListener("change", sync);
  sync();
}

// "Select all / none" for the recipients of a consultation.
for (const button of document.querySelectorAll("[data-check-all], [data-check-none]")) {
  button.addEventListener("click", () => {
    const name = button.dataset.checkAll || button.dataset.checkNone;
    const on = "checkAll" in button.dataset;
    for (const box of document.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
      box.checked = on;
    }
  });
}

// Forms that ask before doing something that cannot be undone.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
