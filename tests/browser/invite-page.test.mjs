// The invite page (/r/CODE) is rendered by the hub and must read well without JavaScript; it
// shares app.css with the other pages. Also: the pages and assets the hub serves are
// self-contained (no external URLs) and put server text on the page only as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { useHubAndBrowser, newPage, repoRoot } from './harness.mjs';

let hub;
let browser;

useHubAndBrowser((started) => ({ hub, browser } = started));

test('/r/CODE without JavaScript: the command, the code, troubleshooting, styled by app.css', async () => {
  const invite = await hub.api('POST', '/v1/colonies/acme/invites', { name: 'for the docs' });
  const context = await browser.newContext({ baseURL: hub.url, javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const response = await page.goto(`/r/${invite.code}`);
    assert.equal(response.status(), 200);
    await page.locator('pre.command').first().getByText(`mi agent onboard ${invite.code} --hub ${hub.url}`).waitFor();
    assert.equal(await page.locator('strong.code').textContent(), invite.code);
    assert.equal(await page.locator('body').getAttribute('class'), 'page-invite');

    const style = await page.evaluate(() => {
      const card = getComputedStyle(document.querySelector('main.card'));
      const pre = getComputedStyle(document.querySelector('pre.command'));
      const body = getComputedStyle(document.body);
      const root = getComputedStyle(document.documentElement);
      return {
        cardBackground: card.backgroundColor, cardRadius: card.borderTopLeftRadius, cardMaxWidth: card.maxWidth,
        preBackground: pre.backgroundColor, pageBackground: root.backgroundColor, bodyFont: body.fontFamily,
      };
    });
    assert.equal(style.cardBackground, 'rgb(255, 255, 255)');
    assert.notEqual(style.cardRadius, '0px');
    assert.notEqual(style.cardMaxWidth, 'none');
    assert.equal(style.preBackground, 'rgb(18, 23, 34)');
    assert.equal(style.pageBackground, 'rgb(244, 246, 251)');
    assert.match(style.bodyFont, /system-ui/);

    const details = page.locator('details');
    await details.locator('summary').click();
    assert.equal(await details.getAttribute('open'), '');
    assert.match(await details.textContent(), /invalid code/);
    assert.match(await details.textContent(), /wrong invite type/);
  } finally {
    await context.close();
  }
});

test('every page and asset is served with its content type, and the pages load without errors', async () => {
  const expected = {
    '/signin': 'text/html', '/admin': 'text/html', '/onboard': 'text/html', '/colonies/acme': 'text/html',
    '/assets/app.css': 'text/css', '/assets/common.js': 'text/javascript', '/assets/admin.js': 'text/javascript',
    '/assets/dashboard.js': 'text/javascript', '/assets/onboard.js': 'text/javascript', '/assets/signin.js': 'text/javascript',
    '/assets/logo.svg': 'image/svg+xml',
  };
  for (const [route, type] of Object.entries(expected)) {
    const response = await fetch(hub.url + route);
    assert.equal(response.status, 200, route);
    assert.ok(response.headers.get('content-type').startsWith(type), `${route}: ${response.headers.get('content-type')}`);
  }
  const { context, page } = await newPage(browser, hub);
  try {
    const failures = [];
    page.on('requestfailed', (request) => failures.push(request.url()));
    page.on('response', (response) => { if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`); });
    page.on('request', (request) => { if (!request.url().startsWith(hub.url) && !request.url().startsWith('ws://127.0.0.1')) failures.push(`external ${request.url()}`); });
    for (const route of ['/admin', '/colonies/acme', '/onboard?colony=acme']) {
      await page.goto(route, { waitUntil: 'networkidle' });
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the web files name no external URL and never inject server text as HTML', () => {
  const webRoot = path.join(repoRoot, 'hub/http/web');
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full); else files.push(full);
    }
  };
  walk(webRoot);
  assert.ok(files.length >= 10);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const withoutSvgNamespace = text.replaceAll('http://www.w3.org/2000/svg', '');
    assert.doesNotMatch(withoutSvgNamespace, /https?:\/\//, `${file} names an external URL`);
    assert.doesNotMatch(text, /@import|fonts\.googleapis|cdn\./i, file);
    if (file.endsWith('.js')) assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, `${file} writes HTML`);
    if (file.endsWith('.html')) assert.doesNotMatch(text, /<script(?![^>]*type="module"[^>]*src=)/, `${file} has an inline script`);
  }
});

test('every page names the product the way the README does', async () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const product = /^# (.+)$/m.exec(readme)[1];
  assert.equal(product, 'mi presence hub');
  const { context, page } = await newPage(browser, hub);
  const invite = await hub.api('POST', '/v1/colonies/named/invites', {});
  try {
    for (const route of ['/admin?colony=named', '/colonies/named', '/onboard?colony=named']) {
      await page.goto(route);
      await page.locator('.brand').waitFor();
      // The titles a script sets once it knows the colony, too.
      await page.waitForFunction(() => document.title.includes('named') || location.pathname === '/admin');
      assert.ok((await page.title()).endsWith(` · ${product}`), `${route}: title ${await page.title()}`);
      assert.equal((await page.locator('.brand').textContent()).trim().replace(/\s+/g, ' '), product, route);
    }
    const { context: signedOut, page: signin } = await newPage(browser, hub, { signedIn: false });
    await signin.goto('/signin');
    assert.ok((await signin.title()).endsWith(` · ${product}`), `/signin: title ${await signin.title()}`);
    assert.equal((await signin.locator('.brand').textContent()).trim().replace(/\s+/g, ' '), product, '/signin');
    // The invite page shows the name above its card (drawn by app.css, so that it reads without JavaScript).
    await signin.goto(`/r/${invite.code}`);
    const brand = await signin.evaluate(() => getComputedStyle(document.body, '::before').content);
    assert.equal(brand, JSON.stringify(product));
    await signedOut.close();
  } finally {
    await context.close();
  }
});
