// Progressive enhancement only: every form works without this script.
// On the log-an-event form, show just the fields the chosen event type needs.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select[data-shows-fields]");
  if (!select) { return; }
  var blocks = document.querySelectorAll("[data-field]");
  function update() {
    var option = select.options[select.selectedIndex];
    var wanted = (option && option.getAttribute("data-fields") || "").split(" ");
    blocks.forEach(function (block) {
      var show = wanted.indexOf(block.getAttribute("data-field")) !== -1;
      var hasError = block.querySelector(".error") !== null;
      block.hidden = !(show || hasError);
    });
  }
  select.addEventListener("change", update);
  update();
});
