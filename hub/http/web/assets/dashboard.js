// Dashboard of one colony (/colonies/{colony}): every agent with its badge, presence and last
// seen time, counts, an activity log and the group chat, all live from `watch` over /v1/ws.
// Offline agents stay listed. After a drop it reconnects by itself with `since`; meanwhile the
// statuses it shows are the last known, and say so.
import {
  requireSession, setupTopbar, showError, el, timeElement, startRelativeTimeTicker, refreshRelativeTimes,
  avatar, ColonyWatch, connectionStatusHandler, offlineReasonText, compareIds, COLONY_ID, ApiError, setTitle,
  copyRow, api,
} from '/assets/common.js';

const MAX_CHAT = 200;
const MAX_ACTIVITY = 60;

const colony = decodeURIComponent(location.pathname.split('/')[2] || '');
const list = document.getElementById('agents');
const emptyNote = document.getElementById('agents-empty');
const chatLog = document.getElementById('chat');
const chatEmpty = document.getElementById('chat-empty');
const activity = document.getElementById('activity');
const activityEmpty = document.getElementById('activity-empty');
const pageError = document.getElementById('page-error');

/** id -> AGENT as last told by the hub. */
const agents = new Map();
/** id -> the reason of its last offline event. */
const offlineReasons = new Map();
/** id -> its row. */
const rows = new Map();
const pageOpenedAt = Date.now();
/** True while the page is not connected to the hub: what it shows is the last known state. */
let stale = false;

function isLiveEvent(event) {
  // Events replayed from the held history (first connection) do not flash.
  return typeof event.ts !== 'number' || event.ts >= pageOpenedAt - 3000;
}

function metaChips(meta) {
  if (!meta || typeof meta !== 'object') return [];
  const entries = Object.entries(meta);
  entries.sort(([a], [b]) => (a === 'status' ? -1 : b === 'status' ? 1 : a.localeCompare(b)));
  return entries.slice(0, 6).map(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return el('span', { className: 'meta-chip', title: `${key}: ${text}`, data: { key } }, el('b', { text: `${key}: ` }), text);
  });
}

/**
 * Online agents sent a frame within the presence TTL: "active now". Offline ones: when last seen.
 * Without a connection to the hub the page cannot know who is active now: "last known".
 */
function lastSeen(agent, online) {
  if (online && stale) {
    const node = el('span', { className: 'last-seen stale-note', text: 'last known' });
    if (agent.last_seen) node.title = `online when the page last heard from the hub; connected at ${new Date(agent.last_seen).toLocaleString()}`;
    return node;
  }
  if (online) {
    const node = el('time', { className: 'last-seen', text: 'active now' });
    if (agent.last_seen) {
      node.dateTime = new Date(agent.last_seen).toISOString();
      node.title = `online; connected at ${new Date(agent.last_seen).toLocaleString()}`;
    }
    return node;
  }
  if (agent.last_seen === null || agent.last_seen === undefined) {
    return el('span', { className: 'last-seen muted', text: 'not connected yet' });
  }
  const node = timeElement(agent.last_seen, { prefix: 'last seen ' });
  node.classList.add('last-seen');
  return node;
}

/**
 * A remote agent named `base-N` while `base` is another agent of the office: the hub gave it the
 * first free name because the one it asked for was taken (a clone, also `base-N`, is hosted).
 * The join event does not carry the name that was asked for, so this is read from the names.
 */
function takenName(agent) {
  if (agent.kind !== 'remote' || agent.clone_of) return null;
  const match = /^(.+)-(\d+)$/.exec(agent.id);
  if (!match || Number(match[2]) < 2) return null;
  return agents.has(match[1]) ? match[1] : null;
}

/**
 * A hosted clone no worker has run yet: nothing in the hub starts it. A provisioner (reading the
 * spawn requests) runs it, or its owner does, with the credentials `mi agent clone` saved.
 */
function cloneWaiting(agent) {
  const source = agent.clone_of || 'the source agent';
  return el('div', { className: 'clone-waiting', data: { testid: 'clone-waiting' } },
    el('p', { className: 'small' },
      'Waiting for a worker to run it: a provisioner starts it, if the office has one; or run this on ',
      el('strong', { text: source }), '’s machine, where ', el('code', { text: 'mi agent clone' }),
      ' saved its credentials:'),
    copyRow(`mi agent run --credentials ~/.mi/clones/${agent.id}.json`, 'Copy command', { dark: true, testId: 'clone-run-command' }));
}

function agentRow(agent) {
  const online = agent.status === 'online';
  const title = el('div', { className: 'agent-title' }, el('span', { className: 'agent-id', text: agent.id }));
  if (agent.kind === 'remote') title.append(el('span', { className: 'badge badge-remote', text: 'Remote', title: 'An external agent, running on its owner\'s infrastructure' }));
  if (agent.clone_of) title.append(el('span', { className: 'badge badge-clone', text: `clone of ${agent.clone_of}` }));

  const sub = el('div', { className: 'agent-sub' });
  if (agent.joined_at) sub.append(el('span', {}, 'joined ', timeElement(agent.joined_at)));
  if (agent.invite) sub.append(el('span', {}, 'invite ', el('code', { text: agent.invite })));
  if (agent.kind === 'hosted') sub.append(el('span', { text: 'hosted' }));
  const taken = takenName(agent);
  if (taken) sub.append(el('span', { className: 'renamed-note', text: `renamed: ${taken} was taken` }));
  const reason = !online && offlineReasons.get(agent.id);
  if (reason) sub.append(el('span', { className: 'offline-reason', text: offlineReasonText(reason) }));

  const main = el('div', { className: 'agent-main' }, title, sub);
  const chips = metaChips(agent.meta);
  if (chips.length) main.append(el('div', { className: 'agent-meta', attrs: { 'aria-label': 'Status' } }, ...chips));
  if (agent.kind === 'hosted' && !online && (agent.last_seen === null || agent.last_seen === undefined)) main.append(cloneWaiting(agent));

  const side = el('div', { className: 'agent-side' },
    el('span', { className: `status status-${online ? 'online' : 'offline'}`, text: online ? 'Online' : 'Offline' }),
    lastSeen(agent, online),
    el('button', {
      type: 'button', className: 'btn-danger btn-small agent-remove', text: 'Remove',
      attrs: { 'aria-label': `Remove agent ${agent.id}` },
      onclick: (event) => removeAgent(agent, event.currentTarget),
    }),
  );
  const statusWords = `${online ? 'online' : 'offline'}${stale ? ', last known' : ''}`;
  return el('li', {
    className: 'agent',
    data: { agentId: agent.id, status: online ? 'online' : 'offline', kind: agent.kind || '', stale: stale ? 'true' : 'false' },
    attrs: { 'aria-label': `${agent.id}, ${agent.kind === 'remote' ? 'remote, ' : ''}${statusWords}` },
  }, avatar(agent.id), main, side);
}

function renderCounts() {
  let online = 0;
  let remote = 0;
  for (const agent of agents.values()) {
    if (agent.status === 'online') online += 1;
    if (agent.kind === 'remote') remote += 1;
  }
  document.getElementById('count-total').textContent = String(agents.size);
  document.getElementById('count-online').textContent = String(online);
  document.getElementById('count-offline').textContent = String(agents.size - online);
  document.getElementById('count-remote').textContent = String(remote);
}

/** Re-renders the rows of the given ids (all when null), in id order. */
function render(changed = null, flash = false) {
  for (const [id, row] of rows) {
    if (!agents.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  for (const agent of agents.values()) {
    if (changed && !changed.has(agent.id) && rows.has(agent.id)) continue;
    const row = agentRow(agent);
    if (flash && changed) row.classList.add('flash');
    const old = rows.get(agent.id);
    if (old) old.replaceWith(row);
    rows.set(agent.id, row);
  }
  const ordered = [...rows.keys()].sort(compareIds);
  ordered.forEach((id, index) => {
    const row = rows.get(id);
    if (list.children[index] !== row) list.insertBefore(row, list.children[index] || null);
  });
  emptyNote.hidden = agents.size > 0;
  list.hidden = agents.size === 0;
  renderCounts();
}

/** An activity line: its time, then the words of describe() (a string or nodes). */
function addActivity(event, content) {
  activityEmpty.hidden = true;
  const item = el('li', { data: { event: event.event, seq: event.seq } }, timeElement(event.ts), el('span', { className: 'activity-text' }, content));
  activity.prepend(item);
  while (activity.children.length > MAX_ACTIVITY) activity.lastElementChild.remove();
}

function addChat(event) {
  const nearBottom = chatLog.scrollHeight - chatLog.scrollTop - chatLog.clientHeight < 40;
  chatEmpty.hidden = true;
  chatLog.hidden = false;
  const from = event.from || (event.agent && event.agent.id) || 'someone';
  chatLog.append(el('li', { className: 'chat-msg', data: { from, seq: event.seq } },
    avatar(from, { small: true }),
    el('div', {},
      el('div', { className: 'who' }, from, timeElement(event.ts)),
      el('div', { className: 'bubble', text: event.text ?? '' }),
    )));
  while (chatLog.children.length > MAX_CHAT) chatLog.firstElementChild.remove();
  if (nearBottom) chatLog.scrollTop = chatLog.scrollHeight;
}

/**
 * Removes an agent from the office after the owner confirms: an online one only when they agree
 * to cut its connections too. The row goes when the hub's `remove` event comes back.
 */
async function removeAgent(agent, button) {
  const online = agents.get(agent.id)?.status === 'online';
  const question = online
    ? `${agent.id} is online. Remove it from ${colony} and close its connections? Its credentials stop working, and its name is not given again.`
    : `Remove ${agent.id} from ${colony}? Its credentials stop working, and its name is not given again.`;
  if (!window.confirm(question)) return;
  button.disabled = true;
  button.textContent = 'Removing…';
  try {
    await api('DELETE', `/v1/colonies/${encodeURIComponent(colony)}/agents/${encodeURIComponent(agent.id)}${online ? '?force=true' : ''}`);
    showError(pageError, null);
  } catch (error) {
    showError(pageError, error);
    button.disabled = false;
    button.textContent = 'Remove';
  }
}

/** An event in words (and the status chips of an update), worded as `mi status --watch` does. */
function describe(event) {
  const id = event.agent ? event.agent.id : '?';
  switch (event.event) {
    case 'join': {
      const words = `${id} joined${event.agent && event.agent.kind === 'remote' ? ' (Remote)' : ''} with invite ${event.invite || ''}`.trim();
      const taken = event.agent && takenName(event.agent);
      return taken ? [words, ' · ', el('span', { className: 'renamed-note', text: `renamed: ${taken} was taken` })] : words;
    }
    case 'online': return `${id} is online`;
    case 'offline': return `${id} went offline${event.reason ? ` (${offlineReasonText(event.reason)})` : ''}`;
    case 'clone': return `${event.source || event.agent.clone_of || 'an agent'} cloned itself as ${id}`;
    case 'remove': return `${id} was removed`;
    case 'update': {
      const meta = event.meta || (event.agent && event.agent.meta);
      const chips = metaChips(meta);
      return chips.length ? [`${id} updated its status `, el('span', { className: 'agent-meta' }, ...chips)] : `${id} cleared its status`;
    }
    default: return `${id}: ${event.event}`;
  }
}

function onEvent(event) {
  const live = isLiveEvent(event);
  const agent = event.agent;
  if (agent && agent.id && event.event === 'remove') {
    agents.delete(agent.id);
    offlineReasons.delete(agent.id);
    addActivity(event, describe(event));
    render(null, false);
    return;
  }
  if (agent && agent.id) {
    agents.set(agent.id, agent);
    if (event.event === 'offline') offlineReasons.set(agent.id, event.reason);
    if (event.event === 'online' || event.event === 'join') offlineReasons.delete(agent.id);
  }
  if (event.event === 'chat') {
    addChat(event);
    if (agent) render(new Set([agent.id]), false);
    return;
  }
  addActivity(event, describe(event));
  if (agent) render(new Set([agent.id]), live);
}

function onSnapshot(snapshot) {
  agents.clear();
  for (const agent of snapshot.agents || []) agents.set(agent.id, agent);
  render(null, false);
}

const showConnection = connectionStatusHandler(document.getElementById('reconnecting'), document.getElementById('live'),
  { staleNote: 'The statuses below are the last known.' });

/** Connection states: while not live, every status shown is marked as the last known one. */
function onConnectionState(state, detail) {
  showConnection(state, detail);
  const nowStale = state === 'reconnecting';
  if (nowStale === stale) return;
  stale = nowStale;
  document.getElementById('main').dataset.stale = stale ? 'true' : 'false';
  render(null, false);
}

async function main() {
  setupTopbar();
  if (!COLONY_ID.test(colony)) {
    showError(pageError, new ApiError(400, 'bad_colony', 'This is not a colony id: 1 to 64 characters of A-Z a-z 0-9 _ -.'));
    return;
  }
  setTitle(colony, 'Dashboard');
  document.getElementById('colony-title').textContent = colony;
  const path = encodeURIComponent(colony);
  document.getElementById('nav-dashboard').href = `/colonies/${path}`;
  document.getElementById('nav-admin').href = `/admin?colony=${path}`;
  document.getElementById('nav-onboard').href = `/onboard?colony=${path}`;
  document.getElementById('invite-link').href = `/admin?colony=${path}`;
  chatLog.hidden = true;
  list.hidden = true;
  await requireSession();
  new ColonyWatch(colony, {
    initialSince: 0,
    onState: onConnectionState,
    onSnapshot,
    onResume: () => render(null, false),
    onEvent,
  }).start();
  startRelativeTimeTicker();
  document.addEventListener('visibilitychange', () => refreshRelativeTimes());
}

main();
