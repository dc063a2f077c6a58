// The till's form is sent once at a time: a second press of a button or of Enter while it is on
// its way neither sends it again nor falls back to a plain submit (which would leave the screen).
// The server registers a basket once anyway (its client_id); this keeps the cashier on the screen.
// The answer replaces the form, so the next one starts unmarked; a failed request unmarks it.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (form.id !== "till-form") {
      return;
    }
    if (form.dataset.sending === "1") {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    form.dataset.sending = "1";
  },
  true,
);
for (const name of ["htmx:responseError", "htmx:sendError", "htmx:afterRequest"]) {
  document.addEventListener(name, (event) => {
    const form = document.getElementById("till-form");
    if (form && (name !== "htmx:afterRequest" || !event.detail.successful)) {
      delete form.dataset.sending;
    }
  });
}
