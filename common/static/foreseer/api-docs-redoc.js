/* Starts Redoc on /api/redoc/ (global `Redoc`, from drf-spectacular-sidecar).
 *
 * Redoc writes its styles as <style> elements at run time. The Content-Security-Policy
 * lets them through only with this response's nonce, which this script tag carries
 * (`nonce` reads back only through the property: the attribute is blanked). */
(function () {
  "use strict";

  // Redoc's side menu ends with "API docs by Redocly" and a logo from cdn.redoc.ly,
  // which the policy would refuse: this page loads nothing from another site. The logo
  // gets no address instead, so nothing is refused, and Redoc, seeing the image fail,
  // leaves it out.
  function sameSite(address) {
    return !/^https?:/i.test(address) ||
      new URL(address, document.baseURI).origin === window.location.origin;
  }
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, sameSite(String(value)) ? value : "");
    },
  });

  var container = document.getElementById("redoc-container");
  var nonce = document.currentScript && document.currentScript.nonce;
  Redoc.init(container.getAttribute("data-schema-url"), { nonce: nonce }, container);
})();
