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
