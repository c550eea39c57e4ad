// Dashboard of one colony (/colonies/{colony}): every agent with its badge, presence, last seen
// time, 24-hour uptime and timeline, counts, an activity log and the group chat, all live from
// `watch` over /v1/ws. Offline agents stay listed. After a drop it reconnects by itself with
// `since`; meanwhile the statuses it shows are the last known, and say so.
//
// An office may hold 10,000 agents and change a hundred times a second, so the list is drawn in
// windows: the page keeps every agent in a Map, the ids in natural order in an array, and the ids
// the filter and search let through in another (kept up to date per event by a binary search, not
// by a pass over the office); only the rows in view, and a few around them, are in the document.
// Events change the data at once and mark what they touched; one requestAnimationFrame, at most
// ten a second while events come, then draws the marked rows that are on screen, the counts and
// the activity lines.
import {
  requireSession, setupTopbar, showError, el, timeElement, startRelativeTimeTicker, refreshRelativeTimes,
  avatar, ColonyWatch, connectionStatusHandler, offlineReasonText, COLONY_ID, ApiError, setTitle,
  copyRow, api, agentPresence, PRESENCE_WORDS, DAY_MS, presenceSpans, onlineFraction, uptimePercent, svgEl,
  BoundedQueue, absoluteTime,
} from '/assets/common.js';

const MAX_CHAT = 200;
const MAX_ACTIVITY = 60;
/** Chat messages asked for at a time: on open, and each time the reader scrolls to the top. */
const CHAT_PAGE = 50;
/** History requests in flight at once: a large office opens without a burst of hundreds. */
const HISTORY_CONCURRENCY = 4;
/** Transitions asked for per agent: more than this in 24 hours and the hub's uptime is shown. */
const HISTORY_LIMIT = 1000;
/** How often the counts only /stats knows (watchers, across hubs) are asked for again. */
const STATS_EVERY_MS = 15000;
/**
 * How often the agents' open sockets are asked for: a connection that drops without a goodbye
 * (the agent Reconnecting) and one that comes back within the grace make no event.
 */
const SOCKETS_EVERY_MS = 3000;
/** Beyond one page of the agents list, the sockets are known from snapshots and events only. */
const SOCKETS_POLL_MAX_AGENTS = 1000;

const colony = decodeURIComponent(location.pathname.split('/')[2] || '');
const list = document.getElementById('agents');
const viewport = document.getElementById('agents-viewport');
const emptyNote = document.getElementById('agents-empty');
const noMatch = document.getElementById('agents-nomatch');
const tools = document.getElementById('agent-tools');
const shownNote = document.getElementById('agents-shown');
const filterSelect = document.getElementById('agents-filter');
const searchInput = document.getElementById('agents-search');
const chatLog = document.getElementById('chat');
const chatEmpty = document.getElementById('chat-empty');
const activity = document.getElementById('activity');
const activityEmpty = document.getElementById('activity-empty');
const pageError = document.getElementById('page-error');

/** id -> AGENT as last told by the hub. */
const agents = new Map();
/** Natural id order (`jared`, `jared-2`, `jared-10`), as compareIds, with a collator made once. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/**
 * Ids that the collator finds equal (`Bob` and `bob`) in a fixed order too: the binary searches
 * over the ordered ids must never take one for the other.
 */
function compareNatural(a, b) {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
/** Every id, in natural order. */
let order = [];
/** Ids that joined since the last frame: put in order by the frame, in one go. */
let joined = [];
/** The ids the filter and the search let through, in natural order: what the list scrolls over. */
let view = [];
/** The view must be worked out again from `order` (the filter or the search changed, agents joined). */
let viewStale = true;
/** What the list shows: all | online | offline | remote | hosted, and a piece of the name (lower case). */
const filter = { kind: 'all', query: '' };
/** The counts on top, kept by adding and taking away as agents change (never by counting them all). */
const counts = { online: 0, remote: 0, hosted: 0 };
/** id -> the reason of its last offline event. */
const offlineReasons = new Map();
/** id -> its row, for the rows in the document (those in view, and a few around them). */
const rows = new Map();
/** Rows drawn at once above and below those in view, so that scrolling does not show a gap. */
const OVERSCAN = 6;
/** A row's height before it was ever drawn: the mean of those measured, this at first. */
const ROW_HEIGHT_GUESS = 86;
/** id -> the height its row had when last drawn (px). */
const heights = new Map();
const measured = { sum: 0, count: 0 };
/** offsets[i]: the top of the view's i-th row, from the heights (offsets[view.length]: all of them). */
let offsets = new Float64Array(1);
let offsetsStale = true;
/** Marked since the last frame: rows to draw again (all of them), uptime lines to redraw, rows to flash. */
const dirtyRows = new Set();
let allRowsDirty = false;
const dirtyUptimes = new Set();
const flashRows = new Set();
/** Events for the activity log since the last frame (only the last MAX_ACTIVITY will show). */
let pendingActivity = [];
let frame = 0;
/** Ids whose rows are on screen now (IntersectionObserver): only they ask for their history. */
const onScreen = new Set();
/**
 * id -> its last 24 hours: { transitions (newest first), loaded, truncated (more than the page
 * asked for), hubUptime (the hub's 24 h figure), failed (the hub's error) }. Live online, offline
 * and join events add to it.
 */
const histories = new Map();
/** Chat events shown, by seq: the chat endpoint and the watch both deliver them. */
const chatSeqs = new Set();
/** The chat's history endpoint: whether it answered, whether older messages are left, a load under way. */
const olderChat = { supported: false, available: false, loading: false };
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
    if (agent.last_seen) node.title = `online when the page last heard from the hub; connected at ${absoluteTime(agent.last_seen)}`;
    return node;
  }
  if (online && agentPresence(agent) === 'reconnecting') {
    // Its connection dropped without a goodbye: the hub keeps it online for its grace.
    return el('span', { className: 'last-seen reconnecting-note', text: 'connection dropped, waiting for it', title: 'No socket of this agent is open; the hub keeps it Online for a short grace, and it goes Offline if it does not come back in time.' });
  }
  if (online) {
    const node = el('time', { className: 'last-seen', text: 'active now' });
    if (agent.last_seen) {
      node.dateTime = new Date(agent.last_seen).toISOString();
      node.title = `online; connected at ${absoluteTime(agent.last_seen)}`;
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

/** The window the timelines show: the last 24 hours. */
function timelineWindow(now = Date.now()) {
  return { from: now - DAY_MS, to: now };
}

/** The agent's spans over the last 24 hours, from its known transitions. */
function spansOf(agent, history, now = Date.now()) {
  const { from, to } = timelineWindow(now);
  return presenceSpans(history.transitions, {
    from, to, existsFrom: Number.isFinite(agent.joined_at) ? agent.joined_at : null, current: agent.status,
  });
}

/**
 * Its 24-hour uptime: worked out from the transitions, so that it moves with the timeline and the
 * live events; the hub's own figure when the page holds only part of a busy day.
 */
function uptimeOf(spans, history) {
  if (history.truncated && typeof history.hubUptime === 'number') return history.hubUptime;
  return onlineFraction(spans);
}

/** Hours and minutes, one formatter for every span of every timeline drawn. */
const clockFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' });

function clock(ms) {
  return clockFormat.format(new Date(ms));
}

/**
 * A 24-hour timeline as a small inline SVG: green where the agent was online, grey where it was
 * offline, nothing before it joined. Each span says its times on hover.
 */
function timelineSvg(spans, now = Date.now()) {
  const { from } = timelineWindow(now);
  const width = 1000;
  const x = (ms) => ((ms - from) / DAY_MS) * width;
  // A span of seconds in a day would be a fraction of a pixel: each is drawn at least ~1.5 px
  // wide (8 of the 1,000 units), kept inside the bar.
  const minWidth = 8;
  const bars = spans.map((span) => {
    const spanWidth = Math.max(x(span.to) - x(span.from), minWidth);
    const left = Math.max(0, Math.min(x(span.from), width - spanWidth));
    return svgEl('rect', {
      class: `span span-${span.status}`, 'data-status': span.status,
      x: left.toFixed(2), y: 0, width: spanWidth.toFixed(2), height: 10,
    }, svgEl('title', {}, `${span.status === 'online' ? 'Online' : 'Offline'} ${clock(span.from)}–${clock(span.to)}`));
  });
  return svgEl('svg', {
    class: 'timeline', viewBox: `0 0 ${width} 10`, preserveAspectRatio: 'none', role: 'img',
    'data-spans': spans.map((span) => span.status).join(','),
  }, svgEl('rect', { class: 'timeline-track', x: 0, y: 0, width, height: 10 }), ...bars);
}

/** "97.5% uptime (24 h)" beside the timeline of the last 24 hours; placeholders while loading. */
function uptimeLine(agent) {
  const history = histories.get(agent.id);
  const line = el('div', { className: 'agent-uptime', data: { testid: 'uptime' } });
  if (!history || (!history.loaded && !history.failed)) {
    line.dataset.state = 'loading';
    line.append(el('span', { className: 'timeline timeline-loading', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'uptime-value muted', text: 'uptime …' }));
    return line;
  }
  if (history.failed) {
    line.dataset.state = 'failed';
    line.append(el('span', { className: 'uptime-value muted', text: 'uptime unavailable', title: history.failed }));
    return line;
  }
  const now = Date.now();
  const spans = spansOf(agent, history, now);
  const fraction = uptimeOf(spans, history);
  const percent = uptimePercent(fraction);
  const svg = timelineSvg(spans, now);
  const words = `Last 24 hours: online ${percent} of the time${fraction !== null && spans.length && spans[0].from > now - DAY_MS + 60000 ? ' since it joined' : ''}`;
  svg.setAttribute('aria-label', words);
  svg.prepend(svgEl('title', {}, words));
  line.dataset.state = 'loaded';
  line.dataset.uptime = fraction === null ? '' : String(fraction);
  line.append(svg, el('span', { className: 'uptime-value', title: words }, el('b', { text: percent }), ' uptime (24 h)'));
  return line;
}

/** Redraws the uptime line of one agent in place, with the next frame, if its row is drawn. */
function refreshUptime(id) {
  if (!rows.has(id)) return;
  dirtyUptimes.add(id);
  scheduleFrame();
}

/** Whether the page holds no answer yet about this agent's last 24 hours. */
function needsHistory(id) {
  const history = histories.get(id);
  return !history || (!history.loaded && !history.failed);
}

/** Loads one agent's last 24 hours from the hub, if its row is still on screen. */
async function loadHistory(id) {
  // Scrolled past while it waited its turn: asked for again when it comes back into view.
  if (!agents.has(id) || !needsHistory(id) || (historyObserver && !onScreen.has(id))) return;
  const since = Date.now() - DAY_MS;
  const path = `/v1/colonies/${encodeURIComponent(colony)}/agents/${encodeURIComponent(id)}/history?since=${since}&limit=${HISTORY_LIMIT}`;
  let answer = null;
  let failure = null;
  try {
    answer = await api('GET', path);
  } catch (error) {
    failure = error;
  }
  if (!agents.has(id)) return; // removed meanwhile
  // The entry as it is now: live events may have added to it (or a snapshot dropped it).
  let history = histories.get(id);
  if (!history) {
    history = { transitions: [], loaded: false, failed: null };
    histories.set(id, history);
  }
  if (failure) {
    history.failed = `The hub could not give its history: ${failure.message}`;
    // A hub restarting or its store away: asked again later; any other answer stands.
    if (failure.status === 0 || failure.status >= 500) setTimeout(() => agents.has(id) && historyQueue.add(id), 30000);
  } else {
    const fetched = Array.isArray(answer.transitions) ? answer.transitions : [];
    // Live events that came while the request was out are kept; the same transition once.
    const seen = new Set(fetched.map((t) => `${t.status}@${t.ts}`));
    const live = history.transitions.filter((t) => !seen.has(`${t.status}@${t.ts}`));
    history.transitions = [...fetched, ...live].sort((a, b) => b.ts - a.ts);
    history.truncated = fetched.length >= HISTORY_LIMIT;
    history.hubUptime = answer.uptime && typeof answer.uptime['24h'] === 'number' ? answer.uptime['24h'] : null;
    history.loaded = true;
    history.failed = null;
  }
  refreshUptime(id);
}

const historyQueue = new BoundedQueue(HISTORY_CONCURRENCY, loadHistory);

/**
 * Rows on screen ask for their history: only the drawn rows are watched, and the list's own
 * scrolling box hides the ones drawn around those in view. A row must stay on screen a moment
 * (HISTORY_AFTER_MS), so that flinging through thousands of agents asks for none of them.
 */
const HISTORY_AFTER_MS = 150;
const historyObserver = 'IntersectionObserver' in window
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const id = entry.target.dataset.agentId;
      if (rows.get(id) !== entry.target) continue; // a row drawn again since: its new one counts
      if (!entry.isIntersecting) {
        onScreen.delete(id);
        continue;
      }
      onScreen.add(id);
      if (!needsHistory(id)) continue;
      setTimeout(() => {
        if (onScreen.has(id) && needsHistory(id)) historyQueue.add(id);
      }, HISTORY_AFTER_MS);
    }
  }, { rootMargin: '200px 0px' })
  : null;

/** A row now in the document: watched for coming on screen (or, without an observer, asked for). */
function wantHistory(row, id) {
  if (historyObserver) historyObserver.observe(row);
  else if (needsHistory(id)) historyQueue.add(id);
}

/** A row leaving the document. */
function dropRow(id, row) {
  if (historyObserver) historyObserver.unobserve(row);
  onScreen.delete(id);
  row.remove();
}

/** A live presence change, added to the agent's timeline. */
function recordTransition(event) {
  const id = event.agent && event.agent.id;
  if (!id || typeof event.ts !== 'number') return;
  let status = null;
  if (event.event === 'online' || event.event === 'join') status = 'online';
  if (event.event === 'offline') status = 'offline';
  if (!status) return;
  let history = histories.get(id);
  if (!history) {
    // An agent that joined after the page opened has no other history: this is all of it (a join
    // replayed from the held events may be older than it looks). Any other is loaded when its row
    // shows, and keeps what came meanwhile.
    const joinedNow = event.event === 'join' && event.ts >= pageOpenedAt;
    history = { transitions: [], loaded: joinedNow, truncated: false, hubUptime: null, failed: null };
    histories.set(id, history);
  }
  if (history.transitions.some((t) => t.status === status && t.ts === event.ts)) return;
  history.transitions.unshift({ status, ts: event.ts, reason: event.reason || event.event });
  history.transitions.sort((a, b) => b.ts - a.ts);
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

  main.append(uptimeLine(agent));

  const presence = agentPresence(agent);
  const side = el('div', { className: 'agent-side' },
    el('span', { className: `status status-${presence}`, text: PRESENCE_WORDS[presence] }),
    lastSeen(agent, online),
    el('button', {
      type: 'button', className: 'btn-danger btn-small agent-remove', text: 'Remove',
      attrs: { 'aria-label': `Remove agent ${agent.id}` },
      onclick: (event) => removeAgent(agent, event.currentTarget),
    }),
  );
  const statusWords = `${presence}${stale ? ', last known' : ''}`;
  return el('li', {
    className: 'agent',
    data: {
      agentId: agent.id, status: online ? 'online' : 'offline', presence, kind: agent.kind || '', stale: stale ? 'true' : 'false',
    },
    attrs: { 'aria-label': `${agent.id}, ${agent.kind === 'remote' ? 'remote, ' : ''}${statusWords}` },
  }, avatar(agent.id), main, side);
}

/**
 * The counts only the hub knows (watchers, across hubs) from /stats, on open and every
 * STATS_EVERY_MS while the page is visible. The agents' counts stay live from the events.
 */
async function loadStats() {
  const watchers = document.getElementById('stat-watchers');
  try {
    const stats = await api('GET', `/v1/colonies/${encodeURIComponent(colony)}/stats`);
    if (typeof stats.watchers === 'number') {
      document.getElementById('count-watchers').textContent = String(stats.watchers);
      watchers.hidden = false;
    }
    if (typeof stats.hosted === 'number') {
      document.getElementById('stat-remote').title = `${stats.remote ?? '?'} remote, ${stats.hosted} hosted, across every hub`;
    }
  } catch (error) {
    // A hub without /stats: the page's own counts are all there is.
    if (error.status === 404) watchers.hidden = true;
  }
}

/**
 * The hub keeps an agent whose connection dropped Online for its grace, with no event, and says
 * so only in the agent's `reconnecting` (and `sockets`, 0). While an agent is online and the page is live and shown,
 * the agents list is read every SOCKETS_EVERY_MS for that field alone: statuses still change only
 * with events, in order.
 */
let socketsKnown = true;
async function refreshSockets() {
  if (!socketsKnown || stale || document.visibilityState !== 'visible') return;
  // One page of the list (the hub pages it by SOCKETS_POLL_MAX_AGENTS at most): a larger office
  // is not read every few seconds, page after page; its agents' sockets come with snapshots and events.
  if (agents.size === 0 || agents.size > SOCKETS_POLL_MAX_AGENTS) return;
  if (counts.online === 0) return;
  let answer;
  try {
    answer = await api('GET', `/v1/colonies/${encodeURIComponent(colony)}/agents?limit=${SOCKETS_POLL_MAX_AGENTS}`);
  } catch {
    return; // the watch shows the outage; the next round tries again
  }
  for (const listed of answer.agents || []) {
    if (typeof listed.sockets !== 'number') {
      socketsKnown = false; // a hub that does not count sockets: nothing to learn here
      return;
    }
    const known = agents.get(listed.id);
    if (!known || known.status !== listed.status) continue;
    if (known.sockets === listed.sockets && known.reconnecting === listed.reconnecting) continue;
    putAgent({ ...known, sockets: listed.sockets, reconnecting: listed.reconnecting });
  }
}

/** Adds an agent to the counts (sign 1) or takes it away (sign -1). */
function count(agent, sign) {
  if (agent.status === 'online') counts.online += sign;
  if (agent.kind === 'remote') counts.remote += sign;
  if (agent.kind === 'hosted') counts.hosted += sign;
}

/** Whether the filter and the search let an agent through. */
function shown(agent) {
  switch (filter.kind) {
    case 'online': if (agent.status !== 'online') return false; break;
    case 'offline': if (agent.status === 'online') return false; break;
    case 'remote': if (agent.kind !== 'remote') return false; break;
    case 'hosted': if (agent.kind !== 'hosted') return false; break;
    default: break;
  }
  return !filter.query || agent.id.toLowerCase().includes(filter.query);
}

/** Where an id is, or would go, in an array of ids in natural order: [index, found]. */
function place(ids, id) {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareNatural(ids[middle], id);
    if (order === 0) return [middle, true];
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return [low, false];
}

/** Puts an agent in the view, or takes it out, as the filter now says of it. */
function refilter(agent) {
  if (viewStale) return; // the next frame works the whole view out anyway
  const [index, found] = place(view, agent.id);
  const wanted = shown(agent);
  if (wanted && !found) view.splice(index, 0, agent.id);
  else if (!wanted && found) view.splice(index, 1);
  else return;
  offsetsStale = true;
}

/** The hub told the page of an agent (new, or changed): the data now, its row with the next frame. */
function putAgent(agent) {
  const old = agents.get(agent.id);
  if (old) count(old, -1);
  count(agent, 1);
  agents.set(agent.id, agent);
  if (old) {
    refilter(agent);
  } else {
    joined.push(agent.id);
    viewStale = true;
  }
  dirtyRows.add(agent.id);
  scheduleFrame();
}

/** An agent left the office. */
function dropAgent(id) {
  const old = agents.get(id);
  if (!old) return;
  count(old, -1);
  agents.delete(id);
  offlineReasons.delete(id);
  histories.delete(id);
  heights.delete(id);
  const [index, found] = place(order, id);
  if (found) order.splice(index, 1);
  else joined = joined.filter((other) => other !== id);
  if (!viewStale) {
    const [at, inView] = place(view, id);
    if (inView) view.splice(at, 1);
  }
  offsetsStale = true;
  scheduleFrame();
}

/** Starts over from a snapshot: every agent, counted once. */
function resetAgents(snapshotAgents) {
  agents.clear();
  counts.online = 0;
  counts.remote = 0;
  counts.hosted = 0;
  for (const agent of snapshotAgents) {
    if (!agent || typeof agent.id !== 'string') continue;
    agents.set(agent.id, agent);
  }
  for (const agent of agents.values()) count(agent, 1);
  order = [...agents.keys()].sort(compareNatural);
  joined = [];
  viewStale = true;
  allRowsDirty = true;
  drawSoon();
}

/**
 * Events are drawn at most EVENT_FRAME_MS apart: a hundred a second then make ten frames of work,
 * not sixty (each frame restyles, lays out and paints the page), and nobody reads faster. What the
 * reader does (scrolling, the filter, the search, a resize) is drawn with the very next frame.
 */
const EVENT_FRAME_MS = 100;
let lastDrawn = -Infinity;
let frameTimer = 0;

/** Draws what events changed, with a frame at most EVENT_FRAME_MS after the last one. */
function scheduleFrame() {
  if (frame || frameTimer) return;
  const wait = lastDrawn + EVENT_FRAME_MS - performance.now();
  if (wait <= 0) {
    frame = requestAnimationFrame(drawFrame);
    return;
  }
  frameTimer = setTimeout(() => {
    frameTimer = 0;
    if (!frame) frame = requestAnimationFrame(drawFrame);
  }, wait);
}

/** Draws with the next frame (the reader is scrolling, filtering or searching). */
function drawSoon() {
  clearTimeout(frameTimer);
  frameTimer = 0;
  if (!frame) frame = requestAnimationFrame(drawFrame);
}

/** One frame's work: whatever changed since the last one, drawn once. */
function drawFrame() {
  frame = 0;
  lastDrawn = performance.now();
  // The scroll box read first, before this frame changes anything: the page is still laid out
  // from the last frame, so the read costs no layout of its own.
  const box = { top: viewport.scrollTop, height: viewport.clientHeight, scrollHeight: viewport.scrollHeight };
  if (joined.length) {
    if (joined.length <= 64) {
      for (const id of joined) {
        const [index, found] = place(order, id);
        if (!found) order.splice(index, 0, id);
      }
    } else {
      order = order.concat(joined).sort(compareNatural);
    }
    joined = [];
  }
  if (viewStale) {
    view = filter.kind === 'all' && !filter.query ? order.slice() : order.filter((id) => shown(agents.get(id)));
    viewStale = false;
    offsetsStale = true;
  }
  renderCounts();
  flushActivity();
  drawRows(box);
}

/** Counts with the reader's thousands separator (one formatter, not one per call). */
const number = new Intl.NumberFormat();

function setText(id, text) {
  const node = document.getElementById(id);
  if (node.textContent !== text) node.textContent = text;
}

function renderCounts() {
  const total = agents.size;
  setText('count-total', String(total));
  setText('count-online', String(counts.online));
  setText('count-offline', String(total - counts.online));
  setText('count-remote', String(counts.remote));
  const filtered = filter.kind !== 'all' || filter.query;
  const words = filtered ? `${number.format(view.length)} of ${number.format(total)} shown`
    : `${number.format(total)} ${total === 1 ? 'agent' : 'agents'}`;
  if (shownNote.textContent !== words) shownNote.textContent = words;
  if (shownNote.dataset.count !== String(view.length)) shownNote.dataset.count = String(view.length);
  // Each choice of the filter says how many agents it would show.
  const byKind = { all: total, online: counts.online, offline: total - counts.online, remote: counts.remote, hosted: counts.hosted };
  for (const option of filterSelect.options) {
    option.dataset.label ||= option.textContent;
    const text = `${option.dataset.label} (${number.format(byKind[option.value] ?? 0)})`;
    if (option.textContent !== text) option.textContent = text;
  }
}

/** The rows' tops from their heights: measured, or the mean of those measured for the others. */
function computeOffsets() {
  const guess = measured.count ? measured.sum / measured.count : ROW_HEIGHT_GUESS;
  if (offsets.length !== view.length + 1) offsets = new Float64Array(view.length + 1);
  let top = 0;
  for (let index = 0; index < view.length; index += 1) {
    offsets[index] = top;
    top += heights.get(view[index]) ?? guess;
  }
  offsets[view.length] = top;
  offsetsStale = false;
}

/** The first row whose bottom is below `y`. */
function rowAt(y) {
  let low = 0;
  let high = view.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (offsets[middle + 1] <= y) low = middle + 1;
    else high = middle;
  }
  return Math.min(low, Math.max(0, view.length - 1));
}

function setPadding(first, last) {
  const top = `${offsets[first]}px`;
  const bottom = `${offsets[view.length] - offsets[last]}px`;
  if (list.style.paddingTop !== top) list.style.paddingTop = top;
  if (list.style.paddingBottom !== bottom) list.style.paddingBottom = bottom;
}

/**
 * Draws the rows in view (and OVERSCAN around them): rows that left go, rows that came are made,
 * marked rows are made again; the list is padded for the rows left out. Then it measures the
 * rows drawn, and pads again if they are not as tall as thought.
 */
function drawRows(box) {
  const total = view.length;
  emptyNote.hidden = agents.size > 0;
  tools.hidden = agents.size === 0;
  noMatch.hidden = !(agents.size > 0 && total === 0);
  viewport.hidden = total === 0;
  list.hidden = total === 0;
  if (offsetsStale) computeOffsets();
  const wasAtBottom = box.top > 0 && box.top + box.height >= box.scrollHeight - 2;
  // Rows are drawn for the height of the window, not only the box: the box is as tall as its rows
  // up to its max-height, so its own height cannot say how many rows to draw.
  const top = box.top;
  const height = Math.max(box.height, window.innerHeight);
  const first = total ? Math.max(0, rowAt(top) - OVERSCAN) : 0;
  const last = total ? Math.min(total, rowAt(top + height) + 1 + OVERSCAN) : 0;

  const wanted = view.slice(first, last);
  const keep = new Set(wanted);
  for (const [id, row] of rows) {
    if (keep.has(id)) continue;
    dropRow(id, row);
    rows.delete(id);
  }
  /** Rows made or changed this frame: the only ones whose height may have changed. */
  const touched = [];
  wanted.forEach((id, slot) => {
    let row = rows.get(id);
    const agent = agents.get(id);
    if (!row || allRowsDirty || dirtyRows.has(id)) {
      const fresh = agentRow(agent);
      if (flashRows.has(id)) fresh.classList.add('flash');
      if (row) {
        if (historyObserver) historyObserver.unobserve(row);
        row.replaceWith(fresh);
      }
      rows.set(id, fresh);
      wantHistory(fresh, id);
      row = fresh;
      touched.push(id);
    } else if (dirtyUptimes.has(id)) {
      const old = row.querySelector('.agent-uptime');
      if (old) old.replaceWith(uptimeLine(agent));
      touched.push(id);
    }
    const position = String(first + slot + 1);
    if (row.getAttribute('aria-posinset') !== position) row.setAttribute('aria-posinset', position);
    if (row.getAttribute('aria-setsize') !== String(total)) row.setAttribute('aria-setsize', String(total));
    if (list.children[slot] !== row) list.insertBefore(row, list.children[slot] || null);
  });
  allRowsDirty = false;
  dirtyRows.clear();
  dirtyUptimes.clear();
  flashRows.clear();
  setPadding(first, last);
  if (!touched.length) return;

  // One layout for the rows made or changed: their heights, for the padding and the rows not drawn.
  // The row at the top of the view stays where it is on screen, whatever the rows above it measure.
  const anchor = rowAt(top);
  const anchorTop = offsets[anchor];
  let changed = false;
  touched.forEach((id) => {
    const height = rows.get(id).getBoundingClientRect().height;
    if (!(height > 0)) return; // not laid out (hidden page): measured when shown
    const before = heights.get(id);
    if (before !== undefined && Math.abs(before - height) < 0.5) return;
    if (before === undefined) {
      measured.count += 1;
      measured.sum += height;
    } else {
      measured.sum += height - before;
    }
    heights.set(id, height);
    changed = true;
  });
  if (!changed) return;
  computeOffsets();
  setPadding(first, last);
  // At the end of the list it stays at the end, however tall the last rows turned out.
  if (wasAtBottom) viewport.scrollTop = viewport.scrollHeight;
  else if (top > 0 && offsets[anchor] !== anchorTop) viewport.scrollTop = top + offsets[anchor] - anchorTop;
}

/** An activity line, with the next frame: its time, then the words of describe() (a string or nodes). */
function addActivity(event) {
  pendingActivity.push(event);
  // A burst keeps only what could show: the newest MAX_ACTIVITY.
  if (pendingActivity.length > 2 * MAX_ACTIVITY) pendingActivity = pendingActivity.slice(-MAX_ACTIVITY);
  scheduleFrame();
}

/** The activity lines of the events since the last frame, newest on top, in one insertion. */
function flushActivity() {
  if (!pendingActivity.length) return;
  const events = pendingActivity.slice(-MAX_ACTIVITY);
  pendingActivity = [];
  activityEmpty.hidden = true;
  const items = document.createDocumentFragment();
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    items.append(el('li', { data: { event: event.event, seq: event.seq } }, timeElement(event.ts), el('span', { className: 'activity-text' }, describe(event))));
  }
  activity.prepend(items);
  while (activity.children.length > MAX_ACTIVITY) activity.lastElementChild.remove();
}

function chatMessage(event) {
  const from = event.from || (event.agent && event.agent.id) || 'someone';
  return el('li', { className: 'chat-msg', data: { from, seq: event.seq } },
    avatar(from, { small: true }),
    el('div', {},
      el('div', { className: 'who' }, from, timeElement(event.ts)),
      el('div', { className: 'bubble', text: event.text ?? '' }),
    ));
}

/** The chat's messages in seq order (the marker of older messages aside). */
function chatMessages() {
  return [...chatLog.querySelectorAll(':scope > li.chat-msg')];
}

function showChatLog() {
  chatEmpty.hidden = true;
  chatLog.hidden = false;
}

/** The line above the first message: older ones are loading, can be loaded, or there are none. */
function renderChatMarker() {
  let marker = chatLog.querySelector(':scope > li.chat-marker');
  if (!olderChat.supported) {
    if (marker) marker.remove();
    return;
  }
  const words = olderChat.loading ? 'Loading older messages…'
    : olderChat.available ? 'Scroll up for older messages'
    : chatMessages().length ? 'The beginning of the chat' : '';
  if (!words) {
    if (marker) marker.remove();
    return;
  }
  if (!marker) {
    marker = el('li', { className: 'chat-marker', attrs: { role: 'presentation' } });
    chatLog.prepend(marker);
  }
  marker.dataset.state = olderChat.loading ? 'loading' : olderChat.available ? 'more' : 'start';
  marker.textContent = words;
}

/**
 * Adds a chat event once (by seq), in seq order: live events at the bottom, history loaded on
 * open or when scrolling up wherever their seq puts them.
 */
function addChat(event) {
  if (typeof event.seq === 'number') {
    if (chatSeqs.has(event.seq)) return false;
    chatSeqs.add(event.seq);
  }
  showChatLog();
  const item = chatMessage(event);
  const messages = chatMessages();
  let after = null;
  if (typeof event.seq === 'number') {
    for (let index = messages.length - 1; index >= 0; index -= 1) {
      const seq = Number(messages[index].dataset.seq);
      if (!Number.isFinite(seq) || seq < event.seq) {
        after = messages[index];
        break;
      }
    }
    if (!after && messages.length) {
      messages[0].before(item);
      return true;
    }
  } else {
    after = messages.at(-1) || null;
  }
  if (after) after.after(item);
  else chatLog.append(item);
  return true;
}

/** A live chat event: at the bottom, followed when the reader is there. */
function addLiveChat(event) {
  const nearBottom = chatLog.scrollHeight - chatLog.scrollTop - chatLog.clientHeight < 40;
  if (!addChat(event)) return;
  if (nearBottom) {
    // Following the conversation: the oldest messages go past MAX_CHAT, and can come back by scrolling up.
    const messages = chatMessages();
    for (const message of messages.slice(0, Math.max(0, messages.length - MAX_CHAT))) {
      chatSeqs.delete(Number(message.dataset.seq));
      message.remove();
      olderChat.available = true;
    }
    renderChatMarker();
    chatLog.scrollTop = chatLog.scrollHeight;
  }
}

/**
 * Loads a page of the chat's history: the last messages on open, then those before the oldest
 * shown each time the reader scrolls to the top (the view stays where it was).
 */
async function loadChat({ older = false } = {}) {
  if (olderChat.loading) return;
  const first = chatMessages()[0];
  const before = older && first ? Number(first.dataset.seq) : null;
  if (older && !Number.isFinite(before)) return;
  olderChat.loading = true;
  if (older) renderChatMarker();
  const query = new URLSearchParams({ limit: String(CHAT_PAGE) });
  if (before !== null) query.set('before', String(before));
  let messages = [];
  try {
    const answer = await api('GET', `/v1/colonies/${encodeURIComponent(colony)}/chat?${query}`);
    messages = Array.isArray(answer.messages) ? answer.messages : [];
    olderChat.supported = true;
    olderChat.available = messages.length >= CHAT_PAGE;
  } catch (error) {
    // A hub without the chat history still gives recent chat through the watch's replay.
    olderChat.available = false;
    if (error.status !== 404) showError(pageError, error);
  } finally {
    olderChat.loading = false;
  }
  const heightBefore = chatLog.scrollHeight;
  const topBefore = chatLog.scrollTop;
  const atBottom = heightBefore - topBefore - chatLog.clientHeight < 40;
  for (const message of [...messages].reverse()) addChat(message);
  renderChatMarker();
  if (older) chatLog.scrollTop = topBefore + (chatLog.scrollHeight - heightBefore);
  else if (atBottom) chatLog.scrollTop = chatLog.scrollHeight;
}

function watchChatScroll() {
  chatLog.addEventListener('scroll', () => {
    if (chatLog.scrollTop < 60 && olderChat.available && !olderChat.loading) loadChat({ older: true });
  }, { passive: true });
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

/**
 * An event: the data change now, in constant time (the agent's entry, the counts, its place in
 * the filtered view); its row, the counts and the activity line are drawn with the next frame.
 */
function onEvent(event) {
  const agent = event.agent;
  if (agent && agent.id && event.event === 'remove') {
    dropAgent(agent.id);
    addActivity(event);
    return;
  }
  if (agent && agent.id) {
    recordTransition(event);
    if (event.event === 'offline') offlineReasons.set(agent.id, event.reason);
    if (event.event === 'online' || event.event === 'join') offlineReasons.delete(agent.id);
    putAgent(agent);
    if (event.event !== 'chat' && isLiveEvent(event)) flashRows.add(agent.id);
  }
  if (event.event === 'chat') {
    addLiveChat(event);
    return;
  }
  addActivity(event);
}

/** The whole office (every part of the snapshot, gathered by the watch): drawn once. */
function onSnapshot(snapshot) {
  // A snapshot after a drop: what happened meanwhile came as no event, so the histories are
  // asked for again, as their rows come into view.
  histories.clear();
  resetAgents(Array.isArray(snapshot.agents) ? snapshot.agents : []);
}

const showConnection = connectionStatusHandler(document.getElementById('reconnecting'), document.getElementById('live'),
  { staleNote: 'The statuses below are the last known.' });

/** Connection states: while not live, every status shown is marked as the last known one. */
function onConnectionState(state, detail) {
  showConnection(state, detail);
  // The hubs publish their watcher counts once per liveness beat: this page counts a moment later.
  if (state === 'live') setTimeout(loadStats, 2500);
  const nowStale = state === 'reconnecting';
  if (nowStale === stale) return;
  stale = nowStale;
  document.getElementById('main').dataset.stale = stale ? 'true' : 'false';
  allRowsDirty = true;
  drawSoon();
}

/** The filter and the search: the view is worked out again once, at the top of the list. */
function watchFilter() {
  const apply = () => {
    const kind = filterSelect.value;
    const query = searchInput.value.trim().toLowerCase();
    if (kind === filter.kind && query === filter.query) return;
    filter.kind = kind;
    filter.query = query;
    viewStale = true;
    viewport.scrollTop = 0;
    drawSoon();
  };
  filterSelect.addEventListener('change', apply);
  searchInput.addEventListener('input', apply);
  viewport.addEventListener('scroll', drawSoon, { passive: true });
  window.addEventListener('resize', drawSoon);
  // Another width wraps rows differently: every height is measured again.
  let width = 0;
  new ResizeObserver(() => {
    if (viewport.clientWidth === width) return;
    width = viewport.clientWidth;
    heights.clear();
    measured.sum = 0;
    measured.count = 0;
    offsetsStale = true;
    allRowsDirty = true;
    drawSoon();
  }).observe(viewport);
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
  watchFilter();
  watchChatScroll();
  loadChat();
  loadStats();
  setInterval(() => {
    if (document.visibilityState === 'visible') loadStats();
  }, STATS_EVERY_MS);
  setInterval(refreshSockets, SOCKETS_EVERY_MS);
  // The timelines' window moves with the clock.
  setInterval(() => {
    for (const id of rows.keys()) refreshUptime(id);
  }, 60000);
  new ColonyWatch(colony, {
    initialSince: 0,
    onState: onConnectionState,
    onSnapshot,
    onResume: () => {
      allRowsDirty = true;
      drawSoon();
    },
    onEvent,
  }).start();
  startRelativeTimeTicker();
  document.addEventListener('visibilitychange', () => refreshRelativeTimes());
}

main();
