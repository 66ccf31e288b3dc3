/* tracesite trace pages: the steps of a long trace, loaded on demand.
 *
 * A trace longer than limits.steps_per_page is split into pages linked by a
 * pager (nav.pager, the next page marked rel="next"); without JavaScript those
 * links are the way through. With it, a button under the list loads the next
 * page's steps into this one, page after page, so a reader can scroll through
 * the whole trace while the first load stays small.
 *
 * Only <li class="step"> elements of the fetched page's <ol class="steps"> are
 * taken (same origin, written by tracesite, every text already escaped); they
 * are imported with importNode, never through innerHTML. No other request.
 */
(function () {
  "use strict";
  var list = document.querySelector("ol.steps");
  var next = document.querySelector("nav.pager a[rel=next]");
  if (!list || !next || !window.fetch || !window.DOMParser) { return; }
  var nextUrl = next.href;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "load-more";
  var status = document.createElement("p");
  status.className = "meta";
  status.setAttribute("role", "status");
  function label() {
    button.textContent = "Load the next steps here (" + nextUrl.split("/").pop() + ")";
  }
  label();
  list.parentNode.insertBefore(button, list.nextSibling);
  list.parentNode.insertBefore(status, button.nextSibling);
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Loading…";
    fetch(nextUrl, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      var steps = doc.querySelectorAll("ol.steps > li.step");
      for (var i = 0; i < steps.length; i++) {
        list.appendChild(document.importNode(steps[i], true));
      }
      var more = doc.querySelector("nav.pager a[rel=next]");
      status.textContent = steps.length + " more steps loaded.";
      if (more) {
        nextUrl = new URL(more.getAttribute("href"), nextUrl).href;
        button.disabled = false;
        label();
      } else {
        button.remove();
        status.textContent += " This is the end of the trace.";
      }
    }).catch(function (err) {
      button.disabled = false;
      status.textContent = "Could not load the next steps (" + err.message + "); the page links above still work.";
    });
  });
})();
