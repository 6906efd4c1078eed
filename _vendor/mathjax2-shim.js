// Written for this course (MIT), not vendored. @jupyter-widgets/html-manager 1.0 typesets a
// widget's label with MathJax 2's `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`, but
// the site loads MathJax 3, which has no `Hub`. This gives both the MathJax 3 configuration
// object (before MathJax loads) and MathJax 3 itself (once started) a `Hub` whose `Queue`
// hands the element to `MathJax.typesetPromise`. Loaded before embed-amd.js on widget pages.
(function () {
  "use strict";
  if (typeof window.MathJax !== "object" || window.MathJax === null) {
    return; // no math on this page: html-manager skips typesetting
  }
  var pending = [];
  function typeset(element) {
    var mathjax = window.MathJax;
    if (mathjax && typeof mathjax.typesetPromise === "function") {
      mathjax.typesetPromise([element]).catch(function () {});
    } else {
      pending.push(element);
    }
  }
  var hub = {
    Queue: function (job) {
      if (Array.isArray(job) && job[2]) {
        typeset(job[2]);
      }
    },
  };
  var config = window.MathJax;
  config.Hub = hub;
  config.startup = config.startup || {};
  var ready = config.startup.ready;
  config.startup.ready = function () {
    if (typeof ready === "function") {
      ready();
    } else {
      window.MathJax.startup.defaultReady();
    }
    window.MathJax.Hub = hub;
    window.MathJax.startup.promise.then(function () {
      pending.splice(0).forEach(typeset);
    });
  };
})();
