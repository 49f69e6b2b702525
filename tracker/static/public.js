// Progressive enhancement only: the list beside the map is complete without this script.
// Typing in the neighborhood finder hides the neighborhoods whose name, borough or code do not match.
document.addEventListener("DOMContentLoaded", function () {
  // A form sent back with errors: the summary of all of them takes focus, so it is read out first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    // Each error's link puts the cursor in its field (a fragment link alone only scrolls to it).
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
      });
    });
  }
  document.querySelectorAll("input[data-filters]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filters"));
    if (!list) { return; }
    var items = list.querySelectorAll("li[data-name]");
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase();
      items.forEach(function (item) {
        item.hidden = wanted !== "" && item.getAttribute("data-name").indexOf(wanted) === -1;
      });
    });
  });
});
