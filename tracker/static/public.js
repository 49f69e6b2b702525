// Progressive enhancement only: the list beside the map is complete without this script.
// Typing in the neighborhood finder hides the neighborhoods whose name, borough, code or common names
// (data-name, written by tracker.geo.names.normalize) do not match.
// The same normal form as tracker.geo.names.normalize: no case, accents, apostrophes or punctuation.
function plainName(text) {
  var words = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/['\u2019\u2018`\u00b4]/g, "").replace(/[^a-z0-9&]+/g, " ").trim().split(" ");
  var common = {saint: "st", mount: "mt", and: "&"};
  return words.map(function (word) {
    return Object.prototype.hasOwnProperty.call(common, word) ? common[word] : word;
  }).join(" ");
}

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
      var wanted = plainName(input.value);
      items.forEach(function (item) {
        item.hidden = wanted !== "" && item.getAttribute("data-name").indexOf(wanted) === -1;
      });
    });
  });
});
