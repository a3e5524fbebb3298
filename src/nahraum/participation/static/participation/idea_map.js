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
    // Listen on the container, not on the map: clicks on an Ortsteil's area are taken by that
    // layer in Leaflet and never reach the map's own click event.
    m.leaflet.getContainer().addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest(".leaflet-control, .leaflet-popup")) return;
      if (m.leaflet.dragging && m.leaflet.dragging.moved()) return;
      var at = m.leaflet.mouseEventToLatLng(e);
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
      show(at.lat, at.lng);
    });
    document.getElementById("idea-map-clear").addEventListener("click", function () {
      lat.value = ""; lon.value = "";
      if (marker) { marker.remove(); marker = null; }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
