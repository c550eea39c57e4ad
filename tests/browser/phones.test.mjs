// Every page fits a phone: at 390 and 360 CSS pixels wide nothing scrolls sideways (the page is no
// wider than the viewport), the top bar keeps "Sign out" on screen, and commands wrap at spaces or
// scroll inside their own box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage, TestAgent } from './harness.mjs';

let hub;
let browser;
let invite;

useHubAndBrowser((started) => ({ hub, browser } = started));

const WIDTHS = [390, 360];

/** How wide the page is against its viewport, and the boxes that stick out of it. */
async function measure(page) {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    // Boxes are measured against the page, not where a click may have scrolled it to.
    const scrollX = window.scrollX;
    const outside = [];
    for (const node of document.body.querySelectorAll('*')) {
      const box = node.getBoundingClientRect();
      if (box.width === 0 || getComputedStyle(node).visibility === 'hidden') continue;
      // A box inside a horizontally scrolling box may go past the viewport: it scrolls in there.
      let clipped = false;
      for (let parent = node.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const overflow = getComputedStyle(parent).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') { clipped = true; break; }
      }
      const left = box.left + scrollX;
      const right = box.right + scrollX;
      if (!clipped && (right > viewport + 0.5 || left < -0.5)) {
        outside.push(`${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}${node.className && typeof node.className === 'string' ? `.${node.className.split(' ').join('.')}` : ''} ${Math.round(left)}..${Math.round(right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, viewport, outside: outside.slice(0, 8) };
  });
}

async function assertFits(page, what) {
  const { scrollWidth, viewport, outside } = await measure(page);
  assert.ok(scrollWidth <= viewport, `${what}: the page is ${scrollWidth} px wide in a ${viewport} px viewport; outside: ${outside.join(', ')}`);
  assert.deepEqual(outside, [], `${what}: boxes outside the viewport`);
}

/** The element lies within the viewport's width, the page scrolled fully left. */
async function assertOnScreen(page, selector, what) {
  const { left, right, viewport } = await page.evaluate((query) => {
    window.scrollTo(0, window.scrollY);
    const box = document.querySelector(query).getBoundingClientRect();
    return { left: box.left, right: box.right, viewport: document.documentElement.clientWidth };
  }, selector);
  assert.ok(left >= 0 && right <= viewport, `${what} is at ${Math.round(left)}..${Math.round(right)} in ${viewport} px`);
}

/**
 * Every space-separated word of a command box lies on one line, at the box's width and at every
 * narrower width down to 100 px: nothing breaks inside a token (at a hyphen, a slash, anywhere).
 */
async function assertWrapsAtSpaces(locator, what) {
  const broken = await locator.evaluate((box) => {
    const brokenWords = () => {
      const words = [];
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let at = 0;
        for (const word of node.data.split(' ')) {
          if (word) {
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            if (range.getClientRects().length > 1) words.push(`${word} at ${Math.round(box.getBoundingClientRect().width)} px`);
          }
          at += word.length + 1;
        }
      }
      return words;
    };
    const found = brokenWords();
    const { flex, width } = box.style;
    for (let narrower = Math.floor(box.getBoundingClientRect().width); narrower >= 100 && found.length === 0; narrower -= 3) {
      box.style.flex = 'none';
      box.style.width = `${narrower}px`;
      found.push(...brokenWords());
    }
    box.style.flex = flex;
    box.style.width = width;
    return found;
  });
  assert.deepEqual(broken, [], `${what}: a word broken across lines`);
}

test('sign-in, admin, dashboard, onboarding and the invite page fit 390 and 360 px', async () => {
  const jo = new TestAgent(hub.url);
  try {
    invite = await hub.api('POST', '/v1/colonies/pocket/invites', { name: 'for the phone' });
    await jo.onboard(invite.code, 'jo');
    jo.status({ status: 'reading a very long document about distributed presence', step: 12 });
    jo.chat('a chat line long enough to need wrapping on a narrow screen, without any trouble');
    await jo.clone();
    const shared = await hub.api('POST', '/v1/colonies/pocket/invites', {});

    for (const width of WIDTHS) {
      const viewport = { width, height: 800 };
      {
        const { context, page } = await newPage(browser, hub, { signedIn: false, viewport });
        await page.goto('/signin?next=%2Fadmin');
        await page.getByLabel('Admin token').waitFor();
        await assertFits(page, `sign-in at ${width}`);
        await context.close();
      }
      {
        const { context, page } = await newPage(browser, hub, { viewport });
        await page.goto('/admin?colony=pocket');
        await page.locator('#invites-body tr').first().waitFor();
        await page.getByLabel('Name (optional)').fill('phone');
        await page.getByRole('button', { name: 'Create Agent Invite' }).click();
        await page.locator('#invite-result:not([hidden])').waitFor();
        await assertFits(page, `admin at ${width}`);
        await assertOnScreen(page, '#sign-out', `admin at ${width}: Sign out`);
        for (const [index, box] of (await page.locator('#invite-result .copy-value').all()).entries()) {
          await assertWrapsAtSpaces(box, `admin at ${width}, copy box ${index}`);
        }
        await context.close();
      }
      {
        const { context, page } = await newPage(browser, hub, { viewport });
        await page.goto('/colonies/pocket');
        await page.locator('#live[data-state="live"]').waitFor();
        await page.locator('#agents li.agent[data-agent-id="jo-2"]').waitFor();
        await page.locator('#chat .chat-msg').first().waitFor();
        await assertFits(page, `dashboard at ${width}`);
        await assertOnScreen(page, '#sign-out', `dashboard at ${width}: Sign out`);
        await assertWrapsAtSpaces(page.getByTestId('clone-run-command'), `dashboard at ${width}: the clone's command`);
        await context.close();
      }
      {
        const { context, page } = await newPage(browser, hub, { viewport });
        await page.goto('/onboard?colony=pocket');
        await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
        await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
        await assertFits(page, `onboarding at ${width}`);
        await assertWrapsAtSpaces(page.getByTestId('invite-command'), `onboarding command at ${width}`);
        await context.close();
      }
      {
        const context = await browser.newContext({ baseURL: hub.url, javaScriptEnabled: false, viewport });
        const page = await context.newPage();
        await page.goto(`/r/${shared.code}`);
        await page.locator('details summary').click();
        await assertFits(page, `/r/CODE at ${width}`);
        await context.close();
      }
    }
  } finally {
    await jo.close();
  }
});
