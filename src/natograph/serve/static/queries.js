// The filter box of /queries: shows the rows whose title, name or tags contain every word typed.
(function () {
  "use strict";
  var box = document.getElementById("query-filter");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.catalogue tbody tr"));
  var none = document.getElementById("filter-none");
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-text");
      var match = words.every(function (word) { return text.indexOf(word) >= 0; });
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    none.hidden = shown > 0;
  }
  box.addEventListener("input", apply);
  document.querySelectorAll("button.tag").forEach(function (button) {
    button.addEventListener("click", function () { box.value = button.getAttribute("data-tag"); apply(); });
  });
  if (window.location.hash.length > 1) { box.value = decodeURIComponent(window.location.hash.slice(1)); }
  apply();
})();
