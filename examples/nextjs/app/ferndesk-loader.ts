// The vendor's loader snippet, verbatim (the canonical copy is sdk_stub/loader-snippet.html in
// ferndesk-verifier; a test there keeps this one equal to it). It defines the queueing
// `Ferndesk` function at once and adds script#ferndesk-sdk, the real sdk.js, from
// window.FERNDESK_SDK_SRC if set.
export const FERNDESK_LOADER_SNIPPET = `
  !function (w, d) {
    if (w.Ferndesk) return;
    var f = w.Ferndesk = function () { (f.q = f.q || []).push(arguments); };
    var nonce = d.currentScript && d.currentScript.nonce;
    function load() {
      if (d.getElementById("ferndesk-sdk")) return;
      var s = d.createElement("script");
      s.id = "ferndesk-sdk";
      s.async = true;
      if (nonce) s.nonce = nonce;
      s.src = w.FERNDESK_SDK_SRC || "https://static.ferndesk.com/dist/sdk.js";
      d.head.appendChild(s);
    }
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", load);
    else load();
  }(window, document);
`;
