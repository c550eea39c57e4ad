// Sign-in page: the admin token becomes an HttpOnly, SameSite session cookie; sign-out clears it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage } from './harness.mjs';

let hub;
let browser;

useHubAndBrowser((started) => ({ hub, browser } = started));

test('a page that needs the admin sends a signed-out browser to sign in', async () => {
  const { context, page } = await newPage(browser, hub, { signedIn: false });
  try {
    await page.goto('/admin');
    await page.waitForURL(/\/signin\?next=%2Fadmin$/);
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isVisible(), true);
  } finally {
    await context.close();
  }
});

test('a wrong token shows the hub\'s error and sets no cookie', async () => {
  const { context, page } = await newPage(browser, hub, { signedIn: false });
  try {
    await page.goto('/signin');
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.locator('#signin-error');
    await alert.getByText('That is not the admin token of this hub.').waitFor();
    assert.match(await alert.textContent(), /unauthorized/);
    assert.equal(await page.getByLabel('Admin token').getAttribute('aria-invalid'), 'true');
    assert.deepEqual((await context.cookies()).filter((c) => c.name === 'mi_session'), []);
    assert.equal(new URL(page.url()).pathname, '/signin');
  } finally {
    await context.close();
  }
});

test('signing in sets an HttpOnly SameSite cookie, admin calls work from the page, sign-out ends it', async () => {
  const { context, page } = await newPage(browser, hub, { signedIn: false });
  try {
    await page.goto('/admin?colony=alpha');
    await page.waitForURL(/\/signin/);
    await page.getByLabel('Admin token').fill(hub.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\?colony=alpha$/);
    await page.getByRole('heading', { level: 1, name: 'Invites', exact: true }).waitFor();

    const cookie = (await context.cookies()).find((c) => c.name === 'mi_session');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    // Scripts never see it, and the token is nowhere in the page or its URL.
    assert.equal(await page.evaluate(() => document.cookie.includes('mi_session')), false);
    assert.equal((await page.content()).includes(hub.adminToken), false);
    assert.equal(page.url().includes(hub.adminToken), false);
    const answer = await page.evaluate(async () => {
      const response = await fetch('/v1/colonies/alpha/invites', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return { status: response.status, body: await response.json() };
    });
    assert.equal(answer.status, 201);
    assert.match(answer.body.code, /^[A-Z]{6}$/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin$/);
    const state = await page.evaluate(async () => (await fetch('/v1/session')).json());
    assert.equal(state.signed_in, false);
    await page.goto('/colonies/alpha');
    await page.waitForURL(/\/signin\?next=%2Fcolonies%2Falpha$/);
  } finally {
    await context.close();
  }
});

test('an already signed-in browser skips the form; next never leaves the hub', async () => {
  const { context, page } = await newPage(browser, hub, { signedIn: true });
  try {
    await page.goto('/signin?next=//evil.example/x');
    await page.waitForURL((url) => url.pathname === '/admin');
    assert.equal(new URL(page.url()).host, new URL(hub.url).host);
    await page.goto('/signin?next=%2Fonboard%3Fcolony%3Dalpha');
    await page.waitForURL((url) => url.pathname === '/onboard' && url.search === '?colony=alpha');
  } finally {
    await context.close();
  }
});
