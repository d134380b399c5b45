'use client';
// Loads Ferndesk's SDK with the vendor's loader snippet and identifies the signed-in user with
// the token /api/ferndesk-token signs, then shows how that went. NEXT_PUBLIC_* values are
// written into the page's JavaScript by `next build`: set them before building.
import Script from 'next/script';
import { useEffect, useRef, useState } from 'react';

import { FERNDESK_LOADER_SNIPPET } from './ferndesk-loader';

const SDK_SRC = process.env.NEXT_PUBLIC_FERNDESK_SDK_SRC || 'https://static.ferndesk.com/dist/sdk.js';
const WIDGET_ID = process.env.NEXT_PUBLIC_FERNDESK_WIDGET_ID || 'demo';

type Outcome =
  | { state: 'pending' }
  | { state: 'identified'; sub: string }
  | { state: 'failed'; code: string };

// Ferndesk(...) returns the command's Promise only once sdk.js has run: before, it is the loader
// snippet's queue, which returns nothing. So wait for script#ferndesk-sdk's load event first
// (the snippet adds that script on DOMContentLoaded, at once if the document has loaded).
function ferndeskLoaded(): Promise<void> {
  return new Promise((resolve, reject) => {
    function waitForSdk(): void {
      if (window.Ferndesk?.version) return resolve(); // already loaded (sdk.js sets version)
      const sdk = document.getElementById('ferndesk-sdk');
      if (!sdk) return reject(new Error('Ferndesk: the loader snippet has not run'));
      sdk.addEventListener('load', () => resolve());
      sdk.addEventListener('error', () => reject(new Error('Ferndesk: sdk.js did not load')));
    }
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', waitForSdk);
    } else {
      waitForSdk();
    }
  });
}

async function identifySignedInUser(): Promise<FerndeskUser> {
  const answer = await fetch('/api/ferndesk-token', { cache: 'no-store' });
  if (!answer.ok) throw new Error(`/api/ferndesk-token answered ${answer.status}`);
  const jwt = await answer.text(); // the token itself, not the Response
  await ferndeskLoaded();
  // Once sdk.js has run, identify returns a Promise; it rejects with an Error carrying `code`.
  return window.Ferndesk!('identify', { jwt })!;
}

export function FerndeskIdentify() {
  const [outcome, setOutcome] = useState<Outcome>({ state: 'pending' });
  // Once per page: React's development mode runs effects twice, and a second init logs out.
  const started = useRef(false);

  useEffect(() => {
    // The <Script>s below are children, so their effects, which run the snippet, came first.
    if (started.current) return;
    started.current = true;
    window.Ferndesk?.('init', { widgetId: WIDGET_ID });
    identifySignedInUser()
      .then((user) => setOutcome({ state: 'identified', sub: user.sub }))
      .catch((err: FerndeskError) => {
        console.error('Identification failed:', err.code || err);
        setOutcome({ state: 'failed', code: err.code || 'error' });
      });
  }, []);

  return (
    <>
      <Script id="ferndesk-sdk-src" strategy="afterInteractive">
        {`window.FERNDESK_SDK_SRC = ${JSON.stringify(SDK_SRC)};`}
      </Script>
      <Script id="ferndesk-loader" strategy="afterInteractive">
        {FERNDESK_LOADER_SNIPPET}
      </Script>
      <button id="help" type="button" onClick={() => window.Ferndesk?.('open')}>
        Help
      </button>
      <p id="ferndesk-status" role="status" data-state={outcome.state}>
        {outcome.state === 'pending' && 'Signing you in to help…'}
        {outcome.state === 'identified' && `Signed in to help as ${outcome.sub}`}
        {outcome.state === 'failed' && `Help sign-in failed: ${outcome.code}`}
      </p>
    </>
  );
}
