/*
 * nahraum/map.js — small, stable wrapper around Leaflet for every map in nahraum.
 *
 * Load after Leaflet:
 *   <link rel="stylesheet" href="{% static 'vendor/leaflet/leaflet.css' %}">
 *   <script src="{% static 'vendor/leaflet/leaflet.js' %}"></script>
 *   <script src="{% static 'nahraum/map.js' %}"></script>
 *
 * API (window.nahraum):
 *   const m = nahraum.map(elementId, {
 *       tileUrl: "",            // "" or null: no background tiles (offline); data layers still draw
 *       attribution: "",        // tile attribution (HTML-escaped)
 *       label: "Karte …",       // accessible name of the map region (aria-label)
 *       center: [lat, lon], zoom: 11,   // used until a layer gives bounds
 *       layers: [...]           // optional: layer specs, see m.add(spec) below
 *   });
 *   m.choropleth(geojson, {
 *       property: "population", // numeric feature property that drives the shading
 *       title: "Einwohner",     // legend title (also the value's label in the default popup)
 *       classes: 5,             // number of colour classes (quantile breaks, 3..7)
 *       colours: [...],         // optional list of CSS colours, light to dark
 *       fields: [{key, label}], // extra properties listed in the default popup
 *       popup: (props) => html, // optional: own popup; must return escaped HTML
 *       noDataLabel: "keine Angabe",
 *       highlight: {property: "kind", value: "core", label: "Kernstadt"}, // heavy dashed
 *                               // outline (optional colour, dashArray), explained in the legend
 *   }) -> L.GeoJSON
 *   m.outline(geojson, {title, colour: "#000", weight: 3, dashArray}) -> L.GeoJSON
 *                              // boundaries as lines only, e.g. municipal borders
 *   m.points(geojson, {
 *       category: "field",      // feature property naming the category of each point
 *       categories: [{key, label, colour}],  // one toggleable layer per category, in this order
 *       radius: 6, fields: [{key, label}], popup: (props) => html,
 *       show: ["health"],       // optional: categories shown at start (default: all)
 *   }) -> {key: L.LayerGroup}
 *   m.add({type: "choropleth"|"outline"|"points", data: geojson | url: "/de/api/…", ...options}) -> Promise
 *   m.fit()                    // fit the view to everything drawn so far
 *   m.leaflet                  // the L.Map, for anything else
 *
 *   Feature properties used by the default popups: `name` (heading), `url` (heading becomes a
 *   link), `is_estimate` (adds the "estimate" badge; label from data-estimate-label on the map
 *   element or "Schätzung").
 *
 *   Declarative use without own JavaScript:
 *     {{ map_spec|json_script:"overview-map-spec" }}
 *     <div id="overview-map" class="map" data-nahraum-map="overview-map-spec"></div>
 *   The spec is the options object above (layers given with `url` or `data`); maps are created on
 *   DOMContentLoaded and kept in nahraum.maps[elementId].
 *
 * Drawn shapes carry CSS classes for tests and styling: areas `nahraum-area` (highlighted ones
 * also `nahraum-area-highlight`), outlines `nahraum-outline`, points
 * `nahraum-point nahraum-point-<category>`. Points are vector circles, so no marker images are
 * fetched. When every layer has drawn, the map element gets `data-ready="true"`.
 */
(function (global) {
  "use strict";
  var nahraum = global.nahraum = global.nahraum || {};
  nahraum.maps = nahraum.maps || {};

  // ColorBrewer "Purples": a hue no innovation field uses, so coloured points stay legible on top.
  var DEFAULT_RAMP = ["#fcfbfd", "#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"];
  var CATEGORY_COLOURS = ["#1b7837", "#b2182b", "#2166ac", "#8c510a", "#762a83", "#d6604d", "#35978f"];

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  nahraum.escape = escapeHtml;

  // Legend and layer-control swatches are small SVGs coloured by presentation attributes (fill,
  // stroke): the Content-Security-Policy (style-src 'self') blocks style="…" in markup that
  // Leaflet writes with innerHTML, but not SVG attributes.
  function swatch(colour) {
    return '<svg class="swatch" viewBox="0 0 1 1" aria-hidden="true" focusable="false">' +
      '<rect width="1" height="1" fill="' + escapeHtml(colour) + '"/></svg>';
  }

  function lineSwatch(colour, width) {
    var w = Math.min(4, Math.max(1, Math.round(width || 3))), h = w / 2;
    return '<svg class="swatch swatch-line" viewBox="0 0 14 14" aria-hidden="true" focusable="false">' +
      '<rect x="' + h + '" y="' + h + '" width="' + (14 - w) + '" height="' + (14 - w) +
      '" fill="none" stroke="' + escapeHtml(colour) + '" stroke-width="' + w + '"/></svg>';
  }

  function lang() {
    return document.documentElement.lang || "de";
  }

  function formatNumber(value) {
    if (typeof value !== "number" || !isFinite(value)) return escapeHtml(value);
    return new Intl.NumberFormat(lang(), {maximumFractionDigits: 1}).format(value);
  }
  nahraum.formatNumber = formatNumber;

  /** Parse a <script type="application/json"> block made by Django's json_script. */
  nahraum.readJSON = function (id) {
    var el = document.getElementById(id);
    if (!el) throw new Error("nahraum: no JSON block with id '" + id + "'");
    return JSON.parse(el.textContent);
  };

  function quantileBreaks(values, classes) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var breaks = [];
    for (var i = 1; i < classes; i++) {
      var b = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))];
      if (breaks.indexOf(b) === -1) breaks.push(b);
    }
    return breaks; // upper-exclusive thresholds between classes
  }

  function pickRamp(colours, n) {
    if (colours && colours.length >= n) return colours.slice(0, n);
    var out = [];
    for (var i = 0; i < n; i++) {
      out.push(DEFAULT_RAMP[Math.round((i * (DEFAULT_RAMP.length - 1)) / Math.max(1, n - 1))]);
    }
    return out;
  }

  function defaultPopup(props, title, property, fields, estimateLabel) {
    var name = props.name ? escapeHtml(props.name) : "";
    if (props.url && name) name = '<a href="' + escapeHtml(props.url) + '">' + name + "</a>";
    var html = name ? "<strong>" + name + "</strong>" : "";
    if (props.is_estimate) html += ' <span class="estimate-badge">' + escapeHtml(estimateLabel) + "</span>";
    var rows = [];
    if (property) rows.push([title || property, props[property]]);
    (fields || []).forEach(function (f) {
      if (props[f.key] !== undefined && props[f.key] !== null && props[f.key] !== "") {
        rows.push([f.label || f.key, props[f.key]]);
      }
    });
    if (rows.length) {
      html += "<dl class=\"nahraum-popup\">" + rows.map(function (r) {
        return "<dt>" + escapeHtml(r[0]) + "</dt><dd>" + formatNumber(r[1]) + "</dd>";
      }).join("") + "</dl>";
    }
    return html;
  }

  function NahraumMap(elementId, options) {
    options = options || {};
    var el = document.getElementById(elementId);
    if (!el) throw new Error("nahraum.map: no element with id '" + elementId + "'");
    if (!global.L) throw new Error("nahraum.map: Leaflet (vendor/leaflet/leaflet.js) is not loaded");
    this.element = el;
    this.options = options;
    this.estimateLabel = el.getAttribute("data-estimate-label") || options.estimateLabel || "Sch\u00e4tzung";
    if (options.label) {
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", options.label);
    }
    this.leaflet = L.map(el, {
      center: options.center || [52.0, 8.95],
      zoom: options.zoom || 11,
      scrollWheelZoom: false, // a page scrolls past the map instead of zooming it by accident
    });
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, {
        attribution: escapeHtml(options.attribution || ""),
        maxZoom: 19,
      }).addTo(this.leaflet);
    } else {
      el.classList.add("no-tiles");
    }
    this.bounds = null;
    this.control = null;
    this.pending = 0;
    nahraum.maps[elementId] = this;
  }

  NahraumMap.prototype._extend = function (layer) {
    if (!layer.getBounds) return;
    var b = layer.getBounds();
    if (!b.isValid()) return;
    this.bounds = this.bounds ? this.bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
  };

  NahraumMap.prototype.fit = function () {
    if (this.bounds && this.bounds.isValid()) {
      this.leaflet.fitBounds(this.bounds, {padding: [12, 12], maxZoom: 15});
    }
    return this;
  };

  NahraumMap.prototype._layerControl = function () {
    if (!this.control) {
      this.control = L.control.layers(null, null, {collapsed: false, position: "topright"}).addTo(this.leaflet);
    }
    return this.control;
  };

  NahraumMap.prototype.choropleth = function (geojson, opts) {
    opts = opts || {};
    var property = opts.property || "value";
    var features = (geojson && geojson.features) || [];
    var values = features
      .map(function (f) { return f.properties ? f.properties[property] : null; })
      .filter(function (v) { return typeof v === "number" && isFinite(v); });
    var classes = Math.max(1, Math.min(7, opts.classes || 5, values.length || 1));
    var breaks = values.length ? quantileBreaks(values, classes) : [];
    var ramp = pickRamp(opts.colours, breaks.length + 1);
    var self = this;

    var highlight = opts.highlight; // {property, value, label}: drawn with a heavy outline
    function isHighlighted(f) {
      return !!(highlight && f.properties && f.properties[highlight.property] === highlight.value);
    }

    function colourOf(v) {
      if (typeof v !== "number" || !isFinite(v)) return "#d9d9d9";
      var i = 0;
      while (i < breaks.length && v >= breaks[i]) i++;
      return ramp[i];
    }

    var layer = L.geoJSON(geojson, {
      style: function (f) {
        var hl = isHighlighted(f);
        return {
          className: "nahraum-area" + (hl ? " nahraum-area-highlight" : ""),
          color: hl ? (highlight.colour || "#000000") : "#444444", weight: hl ? 3 : 1, opacity: 0.9,
          dashArray: hl ? (highlight.dashArray || "7 5") : null,
          fillColor: colourOf(f.properties && f.properties[property]), fillOpacity: 0.75,
        };
      },
      pointToLayer: function (f, latlng) { // districts known only by their centre
        return L.circleMarker(latlng, {radius: 9});
      },
      onEachFeature: function (f, lyr) {
        var props = f.properties || {};
        var html = opts.popup ? opts.popup(props) :
          defaultPopup(props, opts.title, property, opts.fields, self.estimateLabel);
        if (html) lyr.bindPopup(html);
        if (props.name) lyr.bindTooltip(escapeHtml(props.name), {sticky: true});
      },
    }).addTo(this.leaflet);
    this._extend(layer);
    if (opts.title) this._layerControl().addOverlay(layer, escapeHtml(opts.title));

    if (values.length && opts.legend !== false) {
      var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
      var edges = [min].concat(breaks).concat([max]);
      var legend = L.control({position: "bottomright"});
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "nahraum-legend");
        var rows = ramp.map(function (c, i) {
          var lo = formatNumber(edges[i]), hi = formatNumber(edges[i + 1]);
          var text = lo === hi ? lo : (i === ramp.length - 1 ? lo + " \u2013 " + hi : lo + " \u2013 < " + hi);
          return "<li>" + swatch(c) + text + "</li>";
        });
        if (highlight && highlight.label && features.some(isHighlighted)) {
          rows.push('<li><span class="swatch swatch-dashed"></span>' + escapeHtml(highlight.label) + "</li>");
        }
        if (values.length < features.length) {
          rows.push("<li>" + swatch("#d9d9d9") +
            escapeHtml(opts.noDataLabel || "\u2013") + "</li>");
        }
        div.innerHTML = (opts.title ? "<strong>" + escapeHtml(opts.title) + "</strong>" : "") +
          "<ul>" + rows.join("") + "</ul>";
        return div;
      };
      legend.addTo(this.leaflet);
    }
    if (opts.fit !== false) this.fit();
    return layer;
  };

  /** Boundaries drawn as lines only (e.g. municipal borders above the districts). */
  NahraumMap.prototype.outline = function (geojson, opts) {
    opts = opts || {};
    var layer = L.geoJSON(geojson, {
      interactive: false,
      style: function () {
        return {className: "nahraum-outline", color: opts.colour || "#000000",
          weight: opts.weight || 3, opacity: 1, fill: false, dashArray: opts.dashArray || null};
      },
    }).addTo(this.leaflet);
    if (opts.title) {
      this._layerControl().addOverlay(layer, lineSwatch(opts.colour || "#000000", opts.weight) +
        escapeHtml(opts.title));
    }
    if (opts.fit !== false) { // fit: false → context only, e.g. the neighbours' borders
      this._extend(layer);
      this.fit();
    }
    return layer;
  };

  NahraumMap.prototype.points = function (geojson, opts) {
    opts = opts || {};
    var catProp = opts.category || "category";
    var features = (geojson && geojson.features) || [];
    var categories = (opts.categories || []).slice();
    var known = {};
    categories.forEach(function (c) { known[c.key] = true; });
    features.forEach(function (f) { // categories present in the data but not announced
      var k = f.properties ? f.properties[catProp] : undefined;
      if (k !== undefined && !known[k]) { known[k] = true; categories.push({key: k, label: String(k)}); }
    });
    var groups = {};
    var self = this;
    var control = this._layerControl();
    categories.forEach(function (c, i) {
      var colour = c.colour || CATEGORY_COLOURS[i % CATEGORY_COLOURS.length];
      var safeKey = String(c.key).replace(/[^A-Za-z0-9_-]/g, "-");
      var group = L.geoJSON({
        type: "FeatureCollection",
        features: features.filter(function (f) { return f.properties && f.properties[catProp] === c.key; }),
      }, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {
            className: "nahraum-point nahraum-point-" + safeKey,
            radius: opts.radius || 6, color: "#ffffff", weight: 1.5,
            fillColor: colour, fillOpacity: 0.95,
          });
        },
        onEachFeature: function (f, lyr) {
          var props = f.properties || {};
          var html = opts.popup ? opts.popup(props) :
            defaultPopup(props, null, null, opts.fields, self.estimateLabel);
          if (html) lyr.bindPopup(html);
          if (props.name) lyr.bindTooltip(escapeHtml(props.name));
        },
      });
      if (!opts.show || opts.show.indexOf(c.key) !== -1) group.addTo(self.leaflet);
      self._extend(group);
      var count = group.getLayers().length;
      control.addOverlay(group, swatch(colour) +
        escapeHtml(c.label) + " (" + count + ")");
      groups[c.key] = group;
    });
    if (opts.fit !== false) this.fit();
    return groups;
  };

  /** Add a layer from a spec ({type, data | url, ...options}); resolves when drawn. */
  NahraumMap.prototype.add = function (spec) {
    var self = this;
    self.pending++;
    self.element.removeAttribute("data-ready");
    var load = spec.data ? Promise.resolve(spec.data) :
      fetch(spec.url, {headers: {Accept: "application/geo+json, application/json"}}).then(function (r) {
        if (!r.ok) throw new Error("nahraum.map: " + spec.url + " answered " + r.status);
        return r.json();
      });
    return load.then(function (data) {
      if (spec.type === "points") return self.points(data, spec);
      if (spec.type === "outline") return self.outline(data, spec);
      return self.choropleth(data, spec);
    }).finally(function () {
      self.pending--;
      if (self.pending === 0) self.element.setAttribute("data-ready", "true");
    });
  };

  nahraum.map = function (elementId, options) {
    var m = new NahraumMap(elementId, options);
    var layers = (options && options.layers) || [];
    if (!layers.length) m.element.setAttribute("data-ready", "true");
    // Add in order (areas below points) but draw as soon as each is loaded.
    layers.reduce(function (prev, spec) {
      return prev.then(function () { return m.add(spec); });
    }, Promise.resolve()).catch(function (err) {
      m.element.setAttribute("data-error", String(err && err.message || err));
      throw err;
    });
    return m;
  };
  nahraum.Map = NahraumMap;

  function autoInit() {
    var els = document.querySelectorAll("[data-nahraum-map]");
    Array.prototype.forEach.call(els, function (el) {
      if (!el.id || nahraum.maps[el.id]) return;
      nahraum.map(el.id, nahraum.readJSON(el.getAttribute("data-nahraum-map")));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", autoInit);
  } else {
    autoInit();
  }
})(window);
