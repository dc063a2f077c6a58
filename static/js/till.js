// The till's form while a request of it is on its way (htmx marks it "htmx-request"): a second
// press of a button or of Enter neither sends it again nor falls back to a plain submit. The
// server registers a basket once anyway (its client_id); this keeps the cashier on the screen.
document.addEventListener(
  "submit",
  (event) => {
    if (event.target.id === "till-form" && event.target.classList.contains("htmx-request")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
