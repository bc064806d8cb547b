// Filters: by id (search), by kind of repair, by cluster size. Content is never built here;
// the page is rendered and escaped on the server side, this only hides and shows it.
(function () {
  var q = document.getElementById("q"), kind = document.getElementById("kind"), size = document.getElementById("size");
  function apply() {
    var text = q.value.trim().toLowerCase(), want = kind.value, least = parseInt(size.value, 10) || 0;
    var shown = { cluster: 0, doc: 0, fragment: 0 };
    document.querySelectorAll("[data-filter]").forEach(function (el) {
      var ids = (el.getAttribute("data-ids") || "").toLowerCase();
      var kinds = (el.getAttribute("data-kinds") || "").split(" ");
      var n = parseInt(el.getAttribute("data-size") || "0", 10);
      var type = el.getAttribute("data-filter");
      var ok = (!text || ids.indexOf(text) >= 0) && (!want || type === "cluster" || kinds.indexOf(want) >= 0)
        && (type !== "cluster" || n >= least);
      el.hidden = !ok;
      if (ok) shown[type] += 1;
    });
    Object.keys(shown).forEach(function (type) {
      var out = document.getElementById("shown-" + type);
      if (out) out.textContent = String(shown[type]);
    });
  }
  [q, kind, size].forEach(function (el) { el.addEventListener("input", apply); });
  apply();
})();
