// ferndesk-verifier/playwright in a real Chromium: identifyAs() through the stub SDK on
// app.example.test, and the domain rule on a page of another site.
import "../support.js";
import { expect, test } from "ferndesk-verifier/playwright";

test("identifyAs makes the page identify through the stub SDK, form pre-filled",
  async ({ page, identifyAs, verifier, helpCenter, appUrl }) => {
    const errors = [];
    page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
    const user = await identifyAs(page, { sub: "ada", email: "ada@example.test", name: "Ada" });
    expect(user).toMatchObject({ sub: "ada", email: "ada@example.test", name: "Ada" });
    expect(page.url()).toBe(`${appUrl}/`);
    expect(appUrl).toMatch(/^http:\/\/app\.example\.test:\d+$/);

    await page.evaluate(() => window.Ferndesk("open"));
    const form = page.frameLocator("#ferndesk-widget-frame");
    await expect(form.locator("input[name=email]")).toHaveValue("ada@example.test");
    await expect(form.locator("input[name=name]")).toHaveValue("Ada");

    const [attempt] = await verifier.attempts(helpCenter);
    expect(attempt).toMatchObject({ code: "ok", sub: "ada", origin: appUrl });
    expect(errors).toEqual([]);
  });

test("identifyAs on a page of another site fails with the product's message",
  async ({ page, identifyAs, appUrl }) => {
    await page.goto(appUrl.replace("app.example.test", "otherdomain.test"));
    await expect(identifyAs(page, { sub: "eve" })).rejects.toThrow(
      "Ferndesk: identify failed - must be called from same domain or 1-level subdomain " +
      "(domain_mismatch: ");
  });

test("a second identifyAs on the same page switches user", async ({ page, identifyAs,
  verifier, helpCenter }) => {
  await identifyAs(page, { sub: "ada", email: "ada@example.test" });
  await identifyAs(page, { sub: "grace", email: "grace@example.test" });
  const subs = (await verifier.users(helpCenter)).map((user) => user.sub).sort();
  expect(subs).toEqual(["ada", "grace"]);
});

test.describe("on a help center of its own", () => {
  test("identifyAs takes another help center", async ({ page, identifyAs, verifier }) => {
    const acme = await verifier.createHelpCenter({ domain: "help.example.test" });
    const user = await identifyAs(page, { sub: "lin", email: "lin@example.test" },
      { helpCenter: acme });
    expect(user.sub).toBe("lin");
    expect((await verifier.attempts(acme))[0].code).toBe("ok");
    await verifier.client.deleteHelpCenter(acme.id);
  });
});
