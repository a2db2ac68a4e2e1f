/* Keyboard shortcuts for the review screens (screening queue, clusters). An enhancement only:
   every action is an ordinary form button that works without JavaScript.
   j / k  next / previous item      x  tick or untick it
   g      keep the ticked items     d  set them aside (choose the reason first)
   m      merge (clusters) / move out (cluster page) */
(function () {
  "use strict";
  // Looked up on every key press: htmx may have swapped the list since the page loaded.
  function reviewItems() { return Array.prototype.slice.call(document.querySelectorAll("[data-review-item]")); }
  if (!reviewItems().length) { return; }
  var items = [];
  var current = -1;
  function refresh() {
    var fresh = reviewItems();
    if (fresh[0] !== items[0] || fresh.length !== items.length) { items = fresh; current = -1; return; }
    // htmx may have swapped one item alone (a cluster member's tags): same place, new element
    for (var i = 0; i < fresh.length; i++) {
      if (fresh[i] !== items[i]) {
        items = fresh;
        if (current >= 0) { items[current].classList.add("review-current"); }
        return;
      }
    }
  }
  function focusItem(i) {
    if (i < 0 || i >= items.length) { return; }
    if (current >= 0) { items[current].classList.remove("review-current"); }
    current = i;
    var item = items[i];
    item.classList.add("review-current");
    var box = item.querySelector("input[type=checkbox]");
    (box || item).focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }
  function press(action) {
    var button = document.querySelector("[data-shortcut='" + action + "']");
    // A click, not form.requestSubmit(button): htmx learns which button submitted from the click.
    if (button && button.form) { button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "textarea" || tag === "select" ||
        (tag === "input" && event.target.type !== "checkbox")) { return; }
    refresh();
    switch (event.key) {
      case "j": focusItem(Math.min(current + 1, items.length - 1)); break;
      case "k": focusItem(Math.max(current - 1, 0)); break;
      case "x":
        if (current < 0) { focusItem(0); }
        if (current < 0) { break; }
        var box = items[current].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; }
        break;
      case "g": press("keep"); break;
      case "d": press("set_aside"); break;
      case "m": press("merge"); break;
      default: return;
    }
    event.preventDefault();
  });
})();
