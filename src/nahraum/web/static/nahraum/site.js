/*
 * nahraum/site.js — what every page needs before its own scripts run, loaded by base.html.
 *
 * The Content-Security-Policy allows styles from our files only (style-src 'self'), so templates
 * carry no style="…" attributes. Sizes and colours that come from the data are given as data
 * attributes instead and set here through the DOM (element.style), which the policy allows:
 *   <div class="chart" data-height="420">            → height: 420px (before the chart draws)
 *   <li class="tree-field" data-field-colour="#1b7837"> → --field-colour: #1b7837
 */
(function () {
  "use strict";
  var COLOUR = /^#[0-9a-fA-F]{3,8}$/;

  function apply(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-height]"), function (el) {
      var px = parseInt(el.getAttribute("data-height"), 10);
      if (px > 0) el.style.height = px + "px";
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-field-colour]"), function (el) {
      var colour = el.getAttribute("data-field-colour");
      if (COLOUR.test(colour)) el.style.setProperty("--field-colour", colour);
    });
  }
  window.nahraum = window.nahraum || {};
  window.nahraum.applyDataStyles = apply;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { apply(document); });
  } else {
    apply(document);
  }
})();
