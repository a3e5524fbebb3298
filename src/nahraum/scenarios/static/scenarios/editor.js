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
