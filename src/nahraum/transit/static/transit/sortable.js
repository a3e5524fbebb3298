/*
 * transit/sortable.js — tables with class "sortable" on the transit pages (day types): every
 * column header becomes a button that sorts the rows (numbers by the cell's data-value, text
 * otherwise); aria-sort tells screen readers. The same behaviour as the analysis pages' tables.
 */
(function () {
  "use strict";
  if (window.nahraumTransitSortable) return;
  window.nahraumTransitSortable = true;

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    var raw = cell.getAttribute("data-value");
    if (raw !== null) {
      var n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return cell.textContent.trim().toLowerCase();
  }

  function makeSortable(table) {
    if (table.getAttribute("data-sortable-ready")) return;
    table.setAttribute("data-sortable-ready", "1");
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var r = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), document.documentElement.lang || "de");
          return ascending ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("section.day-types table.sortable"), makeSortable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
