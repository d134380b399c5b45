// The admin dashboard's only script: a copy button for a secret or an API key shown once, and
// a live identify log (polls an HTML fragment every 2 s). Every page works without it.
(function () {
  "use strict";

  // A page rendered by a form post says which GET shows it: reloading it then never posts the
  // form again (and never shows a generated secret twice).
  var canonical = document.body.getAttribute("data-canonical-url");
  if (canonical && window.history && history.replaceState) {
    history.replaceState(null, "", canonical + location.hash);
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) return;
    button.hidden = false;
    function report(copied) {
      if (status) {
        status.textContent = copied ? "Copied to the clipboard."
          : "Could not copy: select it and copy it yourself.";
      }
    }
    function legacyCopy() {
      field.focus();
      field.select();
      try { return document.execCommand("copy"); } catch (e) { return false; }
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { report(true); }, function () { report(legacyCopy()); });
      } else {
        report(legacyCopy());
      }
    });
  });

  var log = document.getElementById("log-entries");
  var live = document.getElementById("live-status");
  if (!log || !log.getAttribute("data-live-url") || !window.fetch) return;
  var url = log.getAttribute("data-live-url");
  var shown = null;
  function total() {
    var inner = log.querySelector("[data-total]");
    return inner ? parseInt(inner.getAttribute("data-total"), 10) || 0 : 0;
  }
  function say(text) { if (live) live.textContent = text; }
  say("Live: new identify attempts appear here as they happen.");
  function later() { window.setTimeout(poll, 2000); }
  function poll() {
    if (document.hidden) { later(); return; }
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (answer.status === 401) throw new Error("signed out");
        if (!answer.ok) throw new Error("HTTP " + answer.status);
        return answer.text();
      })
      .then(function (html) {
        if (html !== shown) {
          var before = total();
          log.innerHTML = html;
          shown = html;
          var added = total() - before;
          if (added > 0) {
            say("Live: " + added + " new identify attempt" + (added === 1 ? "" : "s") + ".");
          }
        }
        later();
      })
      .catch(function (error) {
        if (error.message === "signed out") {
          say("Live updates stopped: you are signed out. Reload the page to sign in again.");
          return;
        }
        say("Live updates paused (" + error.message + "); retrying.");
        later();
      });
  }
  later();
})();
