// Let htmx show our friendly error pages (403, 404, 429 …) on boosted navigation instead of doing nothing:
// by default htmx 2 does not swap 4xx/5xx responses. Loaded from 'self', so the CSP allows it.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) { return; }
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ];
});

// A comment's permalink page marks the comment with data-focus: move the keyboard focus there, so the reader
// starts at it (the page also works without this: the comment is highlighted).
function focusMarkedComment() {
  var target = document.querySelector("[data-focus]");
  if (target) { target.focus(); }
}
document.addEventListener("DOMContentLoaded", focusMarkedComment);
document.addEventListener("htmx:afterSettle", focusMarkedComment);

// A table wider than the screen scrolls inside its frame (.table): let the keyboard reach it too, so its hidden
// columns can be scrolled to with the arrow keys (WCAG 2.1.1). Only while it does scroll: a table that fits is
// no extra stop on the way through the page. (Chromium also makes such frames focusable by itself.)
function focusScrollingTables() {
  document.querySelectorAll(".table").forEach(function (table) {
    if (table.scrollWidth > table.clientWidth) { table.setAttribute("tabindex", "0"); }
    else if (table.getAttribute("tabindex") === "0") { table.removeAttribute("tabindex"); }
  });
}
document.addEventListener("DOMContentLoaded", focusScrollingTables);
document.addEventListener("htmx:afterSettle", focusScrollingTables);
window.addEventListener("resize", focusScrollingTables);
