// An integrator's app (Express + jsonwebtoken) that identifies its signed-in user to Ferndesk.
// The token endpoint is the vendor's Node.js example as published; the page loads the SDK with
// the standard loader snippet. Point it at the verifier:
//
//   FERNDESK_JWT_SECRET=... FERNDESK_WIDGET_ID=demo \
//   FERNDESK_SDK_SRC=http://localhost:8765/sdk.js PORT=3000 node server.js
"use strict";
const express = require('express');
const jwt = require('jsonwebtoken');

const app = express();
const WIDGET_ID = process.env.FERNDESK_WIDGET_ID || 'demo';
const SDK_SRC = process.env.FERNDESK_SDK_SRC || 'http://localhost:8765/sdk.js';

// Stands in for the app's own login: every visitor is this user. The vendor's example passes
// req.user.id as is: it must be a string (use String(req.user.id) if your ids are numbers, or
// identify fails with "sub must be a string, got the number ...").
app.use((req, res, next) => {
  req.user = {
    id: process.env.EXAMPLE_USER_ID || 'user-7',
    email: process.env.EXAMPLE_USER_EMAIL || 'grace@example.com',
    name: process.env.EXAMPLE_USER_NAME || 'Grace Hopper',
  };
  next();
});

app.get('/api/ferndesk-token', async (req, res) => {
  if (!req.user) return res.status(401).json({ error: 'Not authenticated' });
  const token = jwt.sign({
    sub: req.user.id,
    email: req.user.email,
    name: req.user.name,
    exp: Math.floor(Date.now() / 1000) + 3600 // 1 hour
  }, process.env.FERNDESK_JWT_SECRET, { algorithm: 'HS256' });
  res.send(token);
});

app.get('/', (req, res) => {
  res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Example app (Node)</title>
<script>window.FERNDESK_SDK_SRC = ${JSON.stringify(SDK_SRC)};</script>
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
<h1>Example app (Node)</h1>
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
  Ferndesk('init', { widgetId: ${JSON.stringify(WIDGET_ID)} });
  fetch('/api/ferndesk-token').then(r => r.text())
    .then(jwt => ferndeskLoaded.then(() => Ferndesk('identify', { jwt })))
    .then(() => { document.body.dataset.identified = 'true'; })
    .catch(err => {
      document.body.dataset.identifyFailed = err.code || 'error';
      console.error('Identification failed:', err.code || err);
    });
</script>
</body></html>`);
});

const port = Number(process.env.PORT || 3000);
app.listen(port, '127.0.0.1', () => console.log(`example app on http://127.0.0.1:${port}`));
