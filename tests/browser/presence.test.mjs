// The dashboard's presence over time (section 7 of the contract): each agent's 24-hour uptime
// and timeline from its history, kept live by the events; "Reconnecting" for an agent whose
// connection dropped within the hub's --offline-grace; the group chat's history on open and older
// messages on scrolling up; the watchers count from /stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage, TestAgent, sleep, waitFor } from './harness.mjs';
import { presenceSpans, onlineFraction, uptimePercent, DAY_MS } from '../../hub/http/web/assets/common.js';

let hub;
let browser;

// A long grace, so that a dropped agent stays Reconnecting while the test looks; a short event
// stream, so that the chat shown on open comes from the chat history and not from the replay of
// the events; chat fast enough to fill pages of it.
useHubAndBrowser((started) => ({ hub, browser } = started), {
  extraArgs: ['--offline-grace', '30', '--event-stream-length', '10', '--chat-per-second', '1000', '--chat-burst', '1000'],
});

const agentRow = (page, id) => page.locator(`#agents li.agent[data-agent-id="${id}"]`);
const uptime = (page, id) => agentRow(page, id).getByTestId('uptime');
const uptimeWords = (page, id) => uptime(page, id).locator('.uptime-value').textContent();

/** The timeline's spans of agent `id` as the page drew them: "online,offline,…". */
async function drawnSpans(page, id) {
  return agentRow(page, id).locator('svg.timeline').getAttribute('data-spans');
}

async function onboard(colony, name) {
  const agent = new TestAgent(hub.url);
  await agent.onboard((await hub.api('POST', `/v1/colonies/${colony}/invites`, {})).code, name);
  return agent;
}

test('pure: spans and uptime of the last 24 hours from transitions', () => {
  const now = 10 * DAY_MS;
  const from = now - DAY_MS;
  // Joined 10 h ago, offline 6 h to 4 h ago: 8 of its 10 hours online.
  const h = 3600 * 1000;
  const transitions = [{ status: 'online', ts: now - 4 * h }, { status: 'offline', ts: now - 6 * h }, { status: 'online', ts: now - 10 * h }];
  const spans = presenceSpans(transitions, { from, to: now, existsFrom: now - 10 * h, current: 'online' });
  assert.deepEqual(spans.map((s) => s.status), ['online', 'offline', 'online']);
  assert.equal(onlineFraction(spans), 0.8);
  // Older than the window: the state at its start is that of the last transition before it, or
  // the opposite of the first one inside it (transitions alternate).
  assert.deepEqual(presenceSpans([{ status: 'offline', ts: now - h }], { from, to: now, existsFrom: now - 3 * DAY_MS })
    .map((s) => [s.status, s.to - s.from]), [['online', DAY_MS - h], ['offline', h]]);
  // Nothing in the window: its current state throughout.
  assert.equal(onlineFraction(presenceSpans([], { from, to: now, existsFrom: 0, current: 'offline' })), 0);
  assert.equal(uptimePercent(0.99951), '99.9%');
  assert.equal(uptimePercent(1), '100%');
  assert.equal(uptimePercent(0.5), '50%');
});

test('each agent shows its 24 h uptime and a timeline drawn from its connects and disconnects', async () => {
  // A scripted day in seconds: online, offline, online, offline, online.
  const flip = await onboard('uptime', 'flip');
  await sleep(600);
  await flip.close();
  await sleep(600);
  await flip.hello();
  await sleep(600);
  await flip.close();
  await sleep(600);
  await flip.hello();
  const steady = await onboard('uptime', 'steady');

  const { context, page } = await newPage(browser, hub);
  const historyCalls = [];
  page.on('request', (request) => {
    if (request.url().includes('/history?')) historyCalls.push(new URL(request.url()));
  });
  const flipHistory = page.waitForResponse((response) => response.url().includes('/agents/flip/history?'));
  try {
    await page.goto('/colonies/uptime');
    await page.locator('#live[data-state="live"]').waitFor();
    await uptime(page, 'flip').and(page.locator('[data-state="loaded"]')).waitFor({ timeout: 10000 });
    assert.equal(await drawnSpans(page, 'flip'), 'online,offline,online,offline,online');
    await uptime(page, 'steady').and(page.locator('[data-state="loaded"]')).waitFor({ timeout: 10000 });
    assert.equal(await drawnSpans(page, 'steady'), 'online');
    assert.match(await uptimeWords(page, 'steady'), /^100% uptime \(24 h\)$/);

    // The figure is the hub's history of the same day, worked out the same way, as a percentage.
    const shownFraction = Number(await uptime(page, 'flip').getAttribute('data-uptime'));
    const history = await (await flipHistory).json();
    assert.equal(history.agent.id, 'flip');
    assert.deepEqual(history.transitions.slice(0, 4).map((t) => t.status), ['online', 'offline', 'online', 'offline'], 'newest first');
    assert.ok(Math.abs(shownFraction - history.uptime['24h']) < 0.05, `page ${shownFraction}, hub ${history.uptime['24h']}`);
    assert.ok(shownFraction > 0.3 && shownFraction < 0.95, `flip was offline part of the time: ${shownFraction}`);
    const text = await uptimeWords(page, 'flip');
    assert.match(text, /^\d{1,2}(\.\d)?% uptime \(24 h\)$/);
    assert.equal(text.split(' ')[0], uptimePercent(shownFraction));
    // Green while online, grey while offline.
    const fills = await agentRow(page, 'flip').locator('svg.timeline rect.span').evaluateAll((rects) =>
      rects.map((rect) => `${rect.dataset.status}:${getComputedStyle(rect).fill}`));
    assert.deepEqual(fills, ['online:rgb(43, 138, 62)', 'offline:rgb(206, 212, 218)', 'online:rgb(43, 138, 62)',
      'offline:rgb(206, 212, 218)', 'online:rgb(43, 138, 62)']);
    assert.match(await agentRow(page, 'flip').locator('svg.timeline').getAttribute('aria-label'), /^Last 24 hours: online \d/);

    // Asked once per agent, for the last 24 hours.
    assert.deepEqual(historyCalls.map((url) => url.pathname).sort(),
      ['/v1/colonies/uptime/agents/flip/history', '/v1/colonies/uptime/agents/steady/history']);
    const since = Number(historyCalls[0].searchParams.get('since'));
    assert.ok(Math.abs(Date.now() - DAY_MS - since) < 60000, 'since is 24 hours ago');

    // The office's counts from /stats: this page is one of its watchers.
    await page.locator('#stat-watchers:not([hidden])').waitFor({ timeout: 5000 });
    await waitFor(async () => Number(await page.locator('#count-watchers').textContent()) >= 1,
      { what: 'this page counted among the watchers', timeout: 10000 });
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await flip.close();
    await steady.close();
    await context.close();
  }
});

test('the timeline and uptime follow offline and online events live, without asking the hub again', async () => {
  const live = await onboard('timeline', 'live');
  const { context, page } = await newPage(browser, hub);
  let historyCalls = 0;
  page.on('request', (request) => {
    if (request.url().includes('/history?')) historyCalls += 1;
  });
  try {
    await page.goto('/colonies/timeline');
    await page.locator('#live[data-state="live"]').waitFor();
    await uptime(page, 'live').and(page.locator('[data-state="loaded"]')).waitFor({ timeout: 10000 });
    assert.equal(await drawnSpans(page, 'live'), 'online');
    assert.equal(await uptime(page, 'live').getAttribute('data-uptime'), '1');

    await live.close();
    await waitFor(async () => (await drawnSpans(page, 'live')) === 'online,offline', { what: 'an offline span', timeout: 5000 });
    await sleep(300);
    await live.hello();
    await waitFor(async () => (await drawnSpans(page, 'live')) === 'online,offline,online', { what: 'an online span', timeout: 5000 });
    const fraction = Number(await uptime(page, 'live').getAttribute('data-uptime'));
    assert.ok(fraction < 1 && fraction > 0, `some time offline: ${fraction}`);

    // A newcomer's timeline starts with its join, from the event alone.
    const fresh = await onboard('timeline', 'fresh');
    try {
      await uptime(page, 'fresh').and(page.locator('[data-state="loaded"]')).waitFor({ timeout: 5000 });
      assert.equal(await drawnSpans(page, 'fresh'), 'online');
      assert.match(await uptimeWords(page, 'fresh'), /^100% uptime/);
    } finally {
      await fresh.close();
    }
    assert.equal(historyCalls, 1, 'only the agent listed on open was asked for');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await live.close();
    await context.close();
  }
});

test('an agent whose connection drops without a goodbye shows "Reconnecting" within the grace', async () => {
  const flaky = await onboard('grace', 'flaky');
  const { context, page } = await newPage(browser, hub);
  try {
    await page.goto('/colonies/grace');
    await page.locator('#live[data-state="live"]').waitFor();
    await agentRow(page, 'flaky').and(page.locator('[data-presence="online"]')).waitFor();
    assert.equal(await agentRow(page, 'flaky').locator('.status').textContent(), 'Online');

    // The TCP connection ends with no close frame: the hub waits --offline-grace (30 s), no event.
    clearInterval(flaky.timer);
    flaky.socket.terminate();
    await agentRow(page, 'flaky').and(page.locator('[data-presence="reconnecting"]')).waitFor({ timeout: 10000 });
    const row = agentRow(page, 'flaky');
    assert.equal(await row.locator('.status').textContent(), 'Reconnecting');
    assert.equal(await row.getAttribute('data-status'), 'online', 'still online for the hub');
    assert.match(await row.getAttribute('aria-label'), /reconnecting/);
    assert.equal(await row.locator('.last-seen').textContent(), 'connection dropped, waiting for it');
    assert.equal(await page.locator('#count-online').textContent(), '1');
    assert.equal(await page.locator('#activity li[data-event="offline"]').count(), 0);

    // It comes back within the grace: Online again, and still no event.
    await flaky.hello();
    await agentRow(page, 'flaky').and(page.locator('[data-presence="online"]')).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('#activity li[data-event="offline"]').count(), 0);
    assert.equal(await page.locator('#activity li[data-event="online"]').count(), 0);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await flaky.close();
    await context.close();
  }
});

test('the group chat shows the last messages on open and older ones on scrolling up', async () => {
  const talker = await onboard('chatter', 'talker');
  const total = 130;
  for (let n = 1; n <= total; n += 1) talker.chat(`message ${n}`);
  await talker.next((m) => m.type === 'event' && m.event === 'chat' && m.text === `message ${total}`, 15000);
  await talker.close();

  const { context, page } = await newPage(browser, hub);
  const chatCalls = [];
  page.on('request', (request) => {
    if (request.url().includes('/chat?')) chatCalls.push(new URL(request.url()));
  });
  const shown = () => page.locator('#chat .chat-msg .bubble').allTextContents();
  try {
    await page.goto('/colonies/chatter');
    await page.locator('#chat .chat-msg').getByText(`message ${total}`, { exact: true }).waitFor({ timeout: 10000 });
    await waitFor(async () => (await shown()).length === 50, { what: 'the last 50 messages', timeout: 5000 });
    // The last 50, oldest first, the newest at the bottom in view.
    let bubbles = await shown();
    assert.equal(bubbles.length, 50);
    assert.equal(bubbles[0], `message ${total - 49}`);
    assert.equal(bubbles.at(-1), `message ${total}`);
    assert.equal(chatCalls[0].searchParams.get('before'), null);
    assert.ok(await page.locator('#chat .chat-msg').last().isVisible());
    assert.equal(await page.locator('#chat .chat-marker').getAttribute('data-state'), 'more');

    // Scrolling to the top loads the 50 before, and the view stays on what the reader was reading.
    const firstBefore = page.locator('#chat .chat-msg').first();
    await page.locator('#chat').evaluate((log) => { log.scrollTop = 0; });
    await waitFor(async () => (await shown()).length === 100, { what: '100 messages', timeout: 5000 });
    assert.equal(chatCalls[1].searchParams.get('before'), await page.locator('#chat .chat-msg').nth(50).getAttribute('data-seq'));
    const readerBox = await page.locator('#chat .chat-msg').nth(50).boundingBox();
    const logBox = await page.locator('#chat').boundingBox();
    assert.ok(readerBox.y >= logBox.y - 5 && readerBox.y < logBox.y + logBox.height, 'the message read before stays in view');
    assert.equal(await firstBefore.count(), 1);

    // Once more: the rest, and the beginning of the chat.
    await page.locator('#chat').evaluate((log) => { log.scrollTop = 0; });
    await waitFor(async () => (await shown()).length === total, { what: 'every message', timeout: 5000 });
    await page.locator('#chat .chat-marker[data-state="start"]').waitFor({ timeout: 5000 });
    bubbles = await shown();
    assert.deepEqual(bubbles, Array.from({ length: total }, (_, i) => `message ${i + 1}`));
    const seqs = await page.locator('#chat .chat-msg').evaluateAll((items) => items.map((item) => Number(item.dataset.seq)));
    assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]), 'in seq order, each once');

    // A live message goes at the bottom, once.
    const late = await onboard('chatter', 'late');
    try {
      late.chat('a live one');
      await page.locator('#chat .chat-msg').getByText('a live one').waitFor({ timeout: 5000 });
      assert.equal((await shown()).at(-1), 'a live one');
      assert.equal(await page.locator('#chat .chat-msg').getByText('a live one').count(), 1);
    } finally {
      await late.close();
    }
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await context.close();
  }
});
