/* Scenario editor: a click on the map fills the latitude/longitude fields of the forms. */
(function () {
  "use strict";
  function attach() {
    var m = window.nahraum && window.nahraum.maps && window.nahraum.maps["scenario-map"];
    if (!m) { return setTimeout(attach, 100); }
    var marker = null;
    document.getElementById("scenario-map").dataset.editor = "ready";
    m.leaflet.on("click", function (e) {
      var lat = e.latlng.lat.toFixed(6), lon = e.latlng.lng.toFixed(6);
      document.querySelectorAll("form[data-map-target] input[name$='-lat']").forEach(function (i) { i.value = lat; });
      document.querySelectorAll("form[data-map-target] input[name$='-lon']").forEach(function (i) { i.value = lon; });
      if (marker) { marker.setLatLng(e.latlng); } else { marker = L.circleMarker(e.latlng, {radius: 7, color: "#000"}).addTo(m.leaflet); }
      var live = document.getElementById("map-help");
      if (live) { live.setAttribute("aria-live", "polite"); live.dataset.picked = lat + ", " + lon; }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", attach); } else { attach(); }
})();
/* New bus line: the button appends the place picked on the map as the next stop of the list. */
(function () {
  "use strict";
  function attach() {
    var button = document.getElementById("busline-add-stop");
    var area = document.querySelector("textarea[name='busline-stops']");
    if (!button || !area) { return; }
    button.addEventListener("click", function () {
      var picked = (document.getElementById("map-help") || {dataset: {}}).dataset.picked;
      if (!picked) { area.focus(); return; }
      var lines = area.value.split("\n").filter(function (l) { return l.trim() !== ""; });
      var ll = picked.split(",");
      lines.push(button.dataset.label + " " + (lines.length + 1) + "; " + ll[0].trim() + "; " + ll[1].trim());
      area.value = lines.join("\n");
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", attach); } else { attach(); }
})();
