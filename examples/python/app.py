"""An integrator's app (Starlette + PyJWT) that identifies its signed-in user to Ferndesk.

Exactly the vendor's Python example for the token endpoint, plus a page that loads the SDK
with the standard loader snippet. Point it at the verifier:

    FERNDESK_JWT_SECRET=... FERNDESK_WIDGET_ID=demo \
    FERNDESK_SDK_SRC=http://localhost:8765/sdk.js \
    .venv/bin/uvicorn --app-dir examples/python app:app --port 3000

then open http://localhost:3000/ and click "Help": the contact form is pre-filled. A failure
is printed by the SDK and reaches the page's own code (see the page's script).
"""

from __future__ import annotations

import html
import json
import os
import time

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

WIDGET_ID = os.environ.get("FERNDESK_WIDGET_ID", "demo")
SDK_SRC = os.environ.get("FERNDESK_SDK_SRC", "http://localhost:8765/sdk.js")


class CurrentUser:
    """Stands in for the app's own login: every visitor is this user."""

    # Not the README quickstart's user (u-1, ada@example.com): following the README, both
    # identify on the same demo help center, where one email is bound to one subject.
    id = os.environ.get("EXAMPLE_USER_ID", "user-42")
    email = os.environ.get("EXAMPLE_USER_EMAIL", "alan@example.com")
    name = os.environ.get("EXAMPLE_USER_NAME", "Alan Turing")


current_user = CurrentUser()


async def ferndesk_token(_request: Request) -> Response:
    # The vendor's Python example, as published.
    if not current_user:
        return JSONResponse({"error": "Not authenticated"}, status_code=401)
    token = jwt.encode({
        "sub": current_user.id,
        "email": current_user.email,
        "name": current_user.name,
        "exp": int(time.time()) + 3600,
    }, os.environ["FERNDESK_JWT_SECRET"], algorithm="HS256")
    return PlainTextResponse(token)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Example app</title>
<script>window.FERNDESK_SDK_SRC = %(sdk_src)s;</script>
<script>
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
</script>
</head><body>
<h1>Example app</h1>
<p>Signed in as %(name)s.</p>
<button id="help" type="button" onclick="Ferndesk('open')">Help</button>
<script>
  // Ferndesk(...) returns the command's Promise only once sdk.js has run: before, it is the
  // loader snippet's queue, which returns nothing. So wait for the script's load event first.
  // The snippet adds that script, script#ferndesk-sdk, on DOMContentLoaded.
  const ferndeskLoaded = new Promise((resolve, reject) => {
    function waitForSdk() {
      if (window.Ferndesk.version) return resolve();  // already loaded (the stub sets version)
      const sdk = document.getElementById('ferndesk-sdk');
      if (!sdk) return reject(new Error('Ferndesk: put the loader snippet before this script'));
      sdk.addEventListener('load', resolve);
      sdk.addEventListener('error', () => reject(new Error('Ferndesk: sdk.js did not load')));
    }
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', waitForSdk);
    } else {
      waitForSdk();
    }
  });
  Ferndesk('init', { widgetId: %(widget_id)s });
  fetch('/api/ferndesk-token').then(r => r.text())
    .then(jwt => ferndeskLoaded.then(() => Ferndesk('identify', { jwt })))
    .then(() => { document.body.dataset.identified = 'true'; })
    .catch(err => {
      document.body.dataset.identifyFailed = err.code || 'error';
      console.error('Identification failed:', err.code || err);
    });
</script>
</body></html>
"""


async def home(_request: Request) -> Response:
    return HTMLResponse(PAGE % {"sdk_src": json.dumps(SDK_SRC), "widget_id": json.dumps(WIDGET_ID),
                                "name": html.escape(current_user.name)})


app = Starlette(routes=[Route("/", home), Route("/api/ferndesk-token", ferndesk_token)])
