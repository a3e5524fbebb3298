/*
 * analysis/analysis.js — the supply pages' own behaviour, on top of nahraum/map.js:
 *   - tables with class "sortable": every column header becomes a button that sorts the rows
 *     (numbers by the cell's data-value, text otherwise); aria-sort tells screen readers;
 *   - maps with data-isochrone-url: a click draws the areas reachable from that point
 *     (GeoJSON from the isochrone endpoint), announced in the #isochrone-status live region.
 */
(function () {
  "use strict";

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

  var ISO_COLOURS = ["#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef", "#eff3ff"];

  function wireIsochrone(el) {
    var map = window.nahraum && window.nahraum.maps && window.nahraum.maps[el.id];
    if (!map) { setTimeout(function () { wireIsochrone(el); }, 100); return; }
    var status = document.getElementById("isochrone-status");
    var layer = null;
    map.leaflet.on("click", function (event) {
      var url = el.getAttribute("data-isochrone-url") + "?lat=" + event.latlng.lat.toFixed(6) +
        "&lon=" + event.latlng.lng.toFixed(6) + "&mode=" + encodeURIComponent(el.getAttribute("data-isochrone-mode") || "walk") +
        "&minutes=5,10,15";
      if (status) status.textContent = "…";
      fetch(url, {headers: {"Accept": "application/json"}}).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      }).then(function (result) {
        if (layer) { map.leaflet.removeLayer(layer); layer = null; }
        if (!result.ok) { if (status) status.textContent = result.data.error || "error"; return; }
        var n = 0;
        layer = window.L.geoJSON(result.data, {
          style: function () {
            var colour = ISO_COLOURS[Math.min(n++, ISO_COLOURS.length - 1)];
            return {color: "#08306b", weight: 1, fillColor: colour, fillOpacity: 0.35, className: "isochrone"};
          }
        }).addTo(map.leaflet);
        if (status) {
          status.textContent = (el.getAttribute("data-isochrone-label") || "") + ": " +
            result.data.features.map(function (f) { return f.properties.minutes; }).reverse().join(", ");
        }
      }).catch(function (err) { if (status) status.textContent = String(err); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("[data-isochrone-url]"), wireIsochrone);
  });
})();
