// Playwright for Node, on Debian's Chromium (never `playwright install`), as the Python browser
// suite runs it. The fixture adds the host-resolver rules; these are the machine's flags.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "test/playwright",
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? "line" : "list",
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"],
    },
  },
});
