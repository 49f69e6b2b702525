// The document viewer's "make a finding": a passage selected in the page text is copied into the quote
// field (and the form opened), so the finding cites exactly the words on the page.
(function () {
  "use strict";
  function wire(field) {
    var source = document.querySelector(field.getAttribute("data-selection-from"));
    if (!source) return;
    var control = field.closest("details");
    document.addEventListener("selectionchange", function () {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || selection.rangeCount === 0) return;
      var range = selection.getRangeAt(0);
      if (!source.contains(range.commonAncestorContainer)) return;
      var text = selection.toString().replace(/\s+/g, " ").trim();
      if (!text) return;
      field.value = text;
      if (control && !control.open) control.open = true;
    });
  }
  document.querySelectorAll("textarea[data-selection-from]").forEach(wire);
})();
