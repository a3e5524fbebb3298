/* Idea form: a click on the map fills the coordinate fields and shows the point. The fields stay
 * visible and editable, so the map is a help, not the only way to give a place. */
(function () {
  "use strict";
  function init() {
    var m = window.nahraum && window.nahraum.maps && window.nahraum.maps["idea-map"];
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    if (!m || !lat || !lon) return;
    var marker = null;
    function show(la, lo) {
      if (marker) marker.remove();
      marker = L.circleMarker([la, lo], {radius: 8, className: "idea-point", color: "#b2182b", fillOpacity: 0.9}).addTo(m.leaflet);
    }
    if (lat.value && lon.value) show(parseFloat(lat.value), parseFloat(lon.value));
    m.leaflet.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      show(e.latlng.lat, e.latlng.lng);
    });
    document.getElementById("idea-map-clear").addEventListener("click", function () {
      lat.value = ""; lon.value = "";
      if (marker) { marker.remove(); marker = null; }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
