// Helpers shared by every page: API calls, the session, the colony watch with reconnect,
// relative times, safe DOM building and copy buttons. Text from the server only ever reaches the
// page through textContent or attributes, never as HTML.

export const COLONY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The product's name, as the README and `mi-hub --help` give it; the pages' titles end with it. */
export const PRODUCT_NAME = 'mi presence hub';

/** Sets the document title: the page's own words, then the product name. */
export function setTitle(...parts) {
  document.title = [...parts, PRODUCT_NAME].join(' · ');
}

/** An error answered by the hub ({"error":{"code","message"}}) or by the network. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The sign-in page, coming back to `next` (this page by default) afterwards. */
export function signInUrl(next = location.pathname + location.search) {
  return '/signin?next=' + encodeURIComponent(next);
}

/**
 * One JSON call to the hub's API, same origin, with the session cookie. Throws ApiError with the
 * hub's code and message. A 401 sends the browser to the sign-in page (unless allow401).
 */
export async function api(method, path, body, { allow401 = false, timeoutMs = 0 } = {}) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
  // A hub that accepted the connection but stopped answering (frozen, overloaded) would keep the
  // call pending forever; a deadline turns that into an error the caller can retry.
  const deadline = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : null;
  if (deadline) init.signal = deadline;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    if (deadline && deadline.aborted) throw new ApiError(0, 'no_answer', 'The hub did not answer in time.');
    throw new ApiError(0, 'network_error', 'The hub cannot be reached. Check that it is running, then try again.');
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    if (deadline && deadline.aborted) throw new ApiError(0, 'no_answer', 'The hub did not answer in time.');
    data = null;
  }
  if (!response.ok) {
    const error = data && typeof data === 'object' ? data.error : null;
    if (response.status === 401 && !allow401) {
      location.assign(signInUrl());
    }
    throw new ApiError(
      response.status,
      (error && error.code) || `http_${response.status}`,
      (error && error.message) || `The hub answered ${response.status} ${response.statusText}.`,
    );
  }
  return data;
}

/** Resolves when signed in; otherwise moves to the sign-in page (and never resolves). */
export async function requireSession() {
  const state = await api('GET', '/v1/session', undefined, { allow401: true });
  if (state && state.signed_in) return true;
  location.replace(signInUrl());
  return new Promise(() => {});
}

/** Wires the top bar: the sign-out button. */
export function setupTopbar() {
  const button = document.getElementById('sign-out');
  if (!button) return;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('POST', '/v1/session/logout', undefined, { allow401: true });
    } catch {
      // Signing out of a hub that is gone: the cookie expires by itself.
    }
    location.assign('/signin');
  });
}

/** Shows an error (ApiError or any Error) in an alert element; empty hides it. */
export function showError(element, error) {
  if (!element) return;
  element.replaceChildren();
  if (!error) {
    element.hidden = true;
    return;
  }
  element.hidden = false;
  element.append(document.createTextNode(error.message || String(error)));
  if (error.code) element.append(el('span', { className: 'alert-code' }, `(${error.code})`));
}

/**
 * Builds an element. props: className, text, attributes under attrs, dataset under data, event
 * handlers as on<Event>, anything else set as a property. Children are nodes or strings (text).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'attrs') {
      for (const [name, attr] of Object.entries(value)) if (attr !== undefined && attr !== null && attr !== false) node.setAttribute(name, attr === true ? '' : String(attr));
    } else if (key === 'data') {
      for (const [name, data] of Object.entries(value)) node.dataset[name] = String(data);
    } else if (key === 'text') {
      node.textContent = String(value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else {
      node[key] = value;
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago", or a date; "never" for null. */
export function relativeTime(ms, now = Date.now()) {
  if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return 'never';
  const seconds = Math.round((now - Number(ms)) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 30) return `${days} d ago`;
  return new Date(Number(ms)).toLocaleDateString();
}

/**
 * Date.toLocaleString() as one formatter made once: a page that draws rows many times a second
 * (the dashboard of a large office) would otherwise build a new formatter for every time it shows.
 */
const localDateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
});

/** A full local date and time, for title attributes. */
export function absoluteTime(ms) {
  if (ms === null || ms === undefined) return '';
  return localDateTime.format(new Date(Number(ms)));
}

/** A <time> element showing a relative time; refreshRelativeTimes() keeps it current. */
export function timeElement(ms, { prefix = '' } = {}) {
  const node = el('time', { className: 'relative-time' });
  setTime(node, ms, prefix);
  return node;
}

function setTime(node, ms, prefix) {
  node.dataset.ms = ms === null || ms === undefined ? '' : String(ms);
  node.dataset.prefix = prefix;
  if (ms !== null && ms !== undefined) {
    node.dateTime = new Date(Number(ms)).toISOString();
    node.title = absoluteTime(ms);
  }
  node.textContent = prefix + relativeTime(ms);
}

/** Re-renders every relative time on the page. */
export function refreshRelativeTimes(root = document) {
  for (const node of root.querySelectorAll('time.relative-time')) {
    const ms = node.dataset.ms === '' ? null : Number(node.dataset.ms);
    node.textContent = (node.dataset.prefix || '') + relativeTime(ms);
  }
}

/** Keeps relative times current (every 5 s). */
export function startRelativeTimeTicker() {
  return setInterval(() => refreshRelativeTimes(), 5000);
}

/** A stable hue for an agent id, for its avatar colour. */
export function hueFor(text) {
  let hash = 0;
  for (const char of String(text)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % 360;
}

/** A round avatar with the first letter of the id. */
export function avatar(id, { small = false } = {}) {
  const node = el('span', { className: small ? 'avatar small' : 'avatar', attrs: { 'aria-hidden': 'true' } }, String(id).slice(0, 1).toUpperCase());
  node.style.setProperty('--hue', String(hueFor(id)));
  return node;
}

/** Copies text to the clipboard; falls back to a hidden textarea outside secure contexts. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the older way
  }
  const area = el('textarea', { value: text, attrs: { readonly: true, 'aria-hidden': 'true' } });
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}

/** A "Copy …" button that copies getText() and says "Copied" for a moment. */
export function copyButton(label, getText, { accessibleName } = {}) {
  const button = el('button', { type: 'button', className: 'btn-secondary btn-small copy-button', attrs: { 'aria-label': accessibleName || label } }, label);
  let timer = null;
  button.addEventListener('click', async () => {
    const ok = await copyText(typeof getText === 'function' ? getText() : String(getText));
    button.textContent = ok ? 'Copied' : 'Select and copy';
    button.dataset.copied = ok ? 'true' : 'false';
    clearTimeout(timer);
    timer = setTimeout(() => {
      button.textContent = label;
      delete button.dataset.copied;
    }, 1800);
  });
  return button;
}

/**
 * A row: the value in a monospace box beside its copy button. Each space-separated word is kept
 * whole (a browser would otherwise break `--hub` after a hyphen, or a URL after a slash): a
 * command wraps at its spaces only, and a word longer than the box scrolls inside it.
 */
export function copyRow(value, label, { dark = false, testId, buttonText = label, caption } = {}) {
  const words = String(value).split(' ').flatMap((word, index) => [index ? ' ' : null, el('span', { className: 'copy-word', text: word })]);
  const box = el('code', { className: dark ? 'copy-value dark' : 'copy-value', attrs: { 'data-testid': testId } }, ...words);
  const row = el('div', { className: 'copy-row' }, box, copyButton(buttonText, () => box.textContent, { accessibleName: `${label}: ${value}` }));
  return caption ? el('div', { className: 'copy-field' }, el('span', { className: 'copy-caption', text: caption }), row) : row;
}

/** The command an agent runs to join with a code (the hub's public URL comes from the invite link). */
export function onboardCommand(invite) {
  const url = String(invite.url || '');
  const suffix = '/r/' + invite.code;
  const hub = url.endsWith(suffix) ? url.slice(0, -suffix.length) : location.origin;
  return `mi agent onboard ${invite.code} --hub ${hub}`;
}

/**
 * Why an agent went offline, in the words `mi` uses (`mi status --watch`, cli/colony_view.cpp):
 * the one table the pages take these words from.
 */
export const OFFLINE_REASON_WORDS = Object.freeze({
  closed: 'its connection closed',
  timeout: 'no heartbeat in time',
  hub_lost: 'its hub was lost',
  drained: 'its hub shut down',
  unhealthy: 'its health reports stopped or said unhealthy',
});

/** An offline reason as people say it; an unknown reason as the hub wrote it. */
export function offlineReasonText(reason) {
  if (!reason) return '';
  return Object.hasOwn(OFFLINE_REASON_WORDS, reason) ? OFFLINE_REASON_WORDS[reason] : String(reason);
}

/** Numbers ids naturally: jared, jared-2, jared-10. */
export function compareIds(a, b) {
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

/**
 * The live presence of one colony over /v1/ws: a fresh watch token from the API for each
 * connection, `since` the last seen seq with its `epoch` (the colony's event history it counts in)
 * when it comes back after a drop, backoff between tries. A close with 4009 (the page fell behind,
 * or the colony's history changed) drops both, so that the next watch takes a fresh snapshot.
 * Callbacks: onSnapshot(msg), onResume(msg), onEvent(msg) once per seq, onState(state, detail)
 * with state 'connecting' | 'live' | 'reconnecting' | 'stopped' | 'failed'.
 * initialSince: the since of the first connection (0 asks for the whole held history, so that a
 * page gets recent chat too; the hub answers with a snapshot when it does not hold it all).
 *
 * A hub that stops answering (frozen, or a network path that silently drops packets) does not
 * close the socket, and a browser cannot send WebSocket pings itself: so while live the watch
 * sends the hub a `ping` message every pingEveryMs and counts the connection lost when nothing
 * at all comes back within answerWithinMs. Connecting has deadlines too (the watch token, the
 * watch's answer). `?ping=SECONDS` on the page's URL sets both to SECONDS (for tests).
 *
 * A large colony's snapshot comes in parts: `{"type":"snapshot",…,"seq":N,"agents":[first
 * part],"parts":K}`, then K-1 `{"type":"snapshot_part","seq":N,"part":i,"agents":[…]}` (i = 2..K);
 * a snapshot without `parts` is one part. The parts are gathered and onSnapshot is called once,
 * after the last, with every agent: a page draws the colony once, never half of it. Events come
 * after the last part; one that came earlier would wait for it, and any with a seq <= N is
 * dropped. A part out of order (another seq, a part skipped) drops the socket, and the watch
 * starts again with the since it had before this snapshot.
 */
export const PING_EVERY_MS = 5000;
export const ANSWER_WITHIN_MS = 4000;

function pingSecondsFromUrl() {
  const seconds = Number(new URLSearchParams(location.search).get('ping'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 600) : null;
}

export class ColonyWatch {
  constructor(colony, { onSnapshot, onResume, onEvent, onState, initialSince = null } = {}) {
    const pingSeconds = pingSecondsFromUrl();
    this.pingEveryMs = pingSeconds ? pingSeconds * 1000 : PING_EVERY_MS;
    this.answerWithinMs = pingSeconds ? pingSeconds * 1000 : ANSWER_WITHIN_MS;
    this.livenessTimer = null;
    this.pingCount = 0;
    this.heardSincePing = false;
    this.colony = colony;
    this.handlers = { onSnapshot, onResume, onEvent, onState };
    this.seq = initialSince;
    this.epoch = null;
    /** A snapshot whose parts are still coming: { snapshot, agents, parts, next, events }. */
    this.pending = null;
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.timer = null;
    this.everLive = false;
    this.state = 'idle';
    this.onOnline = () => {
      if (this.state === 'reconnecting') this.retryNow();
    };
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.livenessTimer);
    window.removeEventListener('online', this.onOnline);
    if (this.socket) this.socket.close(1000, 'page closed');
    this.socket = null;
    this.setState('stopped');
  }

  retryNow() {
    clearTimeout(this.timer);
    this.connect();
  }

  setState(state, detail = {}) {
    this.state = state;
    if (this.handlers.onState) this.handlers.onState(state, detail);
  }

  async connect() {
    if (this.stopped) return;
    if (this.state !== 'reconnecting') this.setState('connecting', { attempt: this.attempt });
    let token;
    try {
      const answer = await api('POST', `/v1/colonies/${encodeURIComponent(this.colony)}/watch-token`, undefined,
        { timeoutMs: this.answerWithinMs * 2 });
      token = answer.token;
    } catch (error) {
      if (error.status === 401) return; // api() is taking the browser to the sign-in page
      this.scheduleRetry(error.code === 'no_answer' ? 'the hub stopped answering'
        : error.code === 'network_error' ? 'the hub cannot be reached' : error.message);
      return;
    }
    if (this.stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/v1/ws`);
    this.socket = socket;
    this.pending = null;
    let opened = false;
    // Until the hub answers the watch (snapshot or resume), the same deadline as a ping's answer,
    // doubled: a snapshot of a large colony takes the hub a moment.
    clearTimeout(this.livenessTimer);
    this.livenessTimer = setTimeout(() => this.abandon(socket, 'the hub stopped answering'), this.answerWithinMs * 2);
    socket.addEventListener('open', () => {
      opened = true;
      const request = { type: 'watch', colony: this.colony, token };
      if (this.seq !== null && this.seq !== undefined) {
        request.since = this.seq;
        if (this.epoch) request.epoch = this.epoch;
      }
      socket.send(JSON.stringify(request));
    });
    socket.addEventListener('message', (message) => {
      if (socket !== this.socket) return;
      this.heardSincePing = true;
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(data);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.pending = null;
      clearTimeout(this.livenessTimer);
      if (this.stopped) return;
      if (event.code === 4009) {
        this.seq = null;
        this.epoch = null;
      }
      const reason = !opened ? 'the hub cannot be reached'
        : event.code === 4009 ? 'the page fell behind'
        : event.code === 1012 ? 'the hub is restarting'
        : 'the connection dropped';
      this.scheduleRetry(reason);
    });
  }

  receive(data) {
    switch (data.type) {
      case 'snapshot': {
        const parts = Number.isInteger(data.parts) && data.parts > 1 ? data.parts : 1;
        if (parts === 1) {
          this.applySnapshot(data);
          break;
        }
        this.pending = { snapshot: data, agents: Array.isArray(data.agents) ? data.agents.slice() : [], parts, next: 2, events: [] };
        this.awaitPart(this.socket);
        break;
      }
      case 'snapshot_part': {
        const pending = this.pending;
        if (!pending) break; // not asked for on this socket: nothing to add it to
        if (data.seq !== pending.snapshot.seq || data.part !== pending.next
            || (data.colony !== undefined && data.colony !== pending.snapshot.colony)) {
          this.pending = null;
          this.abandon(this.socket, 'the hub sent a snapshot out of order');
          break;
        }
        // One by one: spreading 10,000 arguments into push() can exceed the stack.
        for (const agent of Array.isArray(data.agents) ? data.agents : []) pending.agents.push(agent);
        pending.next += 1;
        if (pending.next <= pending.parts) {
          this.awaitPart(this.socket);
          break;
        }
        this.pending = null;
        this.applySnapshot({ ...pending.snapshot, agents: pending.agents });
        for (const event of pending.events) this.receive(event);
        break;
      }
      case 'resume':
        this.seq = data.seq;
        this.epoch = data.epoch || null;
        this.attempt = 0;
        this.everLive = true;
        if (this.handlers.onResume) this.handlers.onResume(data);
        this.keepCheckingLiveness(this.socket);
        this.setState('live');
        break;
      case 'event':
        if (this.pending) {
          // Events follow the last part; one before it waits, so that it applies to the whole colony.
          this.pending.events.push(data);
          return;
        }
        // The hub sends nothing of another epoch (it closes with 4009 first); a seq counts only
        // within its epoch.
        if (this.epoch && data.epoch && data.epoch !== this.epoch) return;
        if (typeof data.seq === 'number' && typeof this.seq === 'number' && data.seq <= this.seq) return;
        this.seq = data.seq;
        if (this.handlers.onEvent) this.handlers.onEvent(data);
        break;
      case 'error':
        // A refused watch (expired token, store unavailable): the hub closes or we retry.
        if (this.socket) this.socket.close(4000, data.code || 'error');
        break;
      default:
        break;
    }
  }

  /** A whole snapshot (every part of it): the page starts over from it, then follows events after its seq. */
  applySnapshot(data) {
    this.seq = data.seq;
    this.epoch = data.epoch || null;
    this.attempt = 0;
    this.everLive = true;
    if (this.handlers.onSnapshot) this.handlers.onSnapshot(data);
    this.keepCheckingLiveness(this.socket);
    this.setState('live');
  }

  /** The next part of a snapshot is due within the deadline of the watch's answer. */
  awaitPart(socket) {
    clearTimeout(this.livenessTimer);
    this.livenessTimer = setTimeout(() => this.abandon(socket, 'the hub stopped answering'), this.answerWithinMs * 2);
  }

  /** Pings the hub every pingEveryMs; no answer (of any kind) within answerWithinMs drops the socket. */
  keepCheckingLiveness(socket) {
    clearTimeout(this.livenessTimer);
    if (!socket) return;
    this.livenessTimer = setTimeout(() => {
      if (socket !== this.socket) return;
      this.pingCount += 1;
      this.heardSincePing = false;
      try {
        socket.send(JSON.stringify({ type: 'ping', id: `liveness-${this.pingCount}` }));
      } catch {
        // a socket closing under us: its close event retries
      }
      this.livenessTimer = setTimeout(() => {
        if (socket !== this.socket) return;
        if (this.heardSincePing) this.keepCheckingLiveness(socket);
        else this.abandon(socket, 'the hub stopped answering');
      }, this.answerWithinMs);
    }, this.pingEveryMs);
  }

  /** Gives up on a socket the hub no longer answers on (its close may never come) and retries. */
  abandon(socket, reason) {
    if (socket !== this.socket || this.stopped) return;
    this.socket = null;
    this.pending = null;
    clearTimeout(this.livenessTimer);
    try {
      socket.close(1000, 'no answer');
    } catch {
      // already closing
    }
    this.scheduleRetry(reason);
  }

  scheduleRetry(reason) {
    if (this.stopped) return;
    const delays = [300, 1000, 2000, 4000, 8000];
    const delay = delays[Math.min(this.attempt, delays.length - 1)];
    this.attempt += 1;
    this.setState('reconnecting', { attempt: this.attempt, delay, reason });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

/**
 * Connects a ColonyWatch's states to a banner and a small live indicator. Returns an onState
 * handler. The banner says one thing for a whole outage: why the connection was lost first (later
 * retries fail for their own reasons, which would only make the message flicker), that the page
 * reconnects by itself, and `staleNote` (what the page shows meanwhile), if any.
 */
export function connectionStatusHandler(banner, indicator, { staleNote = '' } = {}) {
  let outage = false;
  return (state, detail = {}) => {
    if (indicator) {
      indicator.dataset.state = state;
      indicator.textContent = state === 'live' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : state === 'connecting' ? 'Connecting…' : 'Stopped';
    }
    if (state === 'reconnecting' && !outage) {
      outage = true;
      if (banner) {
        banner.hidden = false;
        banner.textContent = `Reconnecting… The connection to the hub was lost${detail.reason ? ` (${detail.reason})` : ''}. ${staleNote ? `${staleNote} ` : ''}Live updates resume by themselves.`;
      }
    } else if (state === 'live') {
      outage = false;
      if (banner) {
        banner.hidden = true;
        banner.textContent = '';
      }
    }
  };
}

/**
 * An agent's presence in the product's words: Online, Offline, or Reconnecting, an agent the hub
 * still counts online while its connection dropped and the hub waits `--offline-grace` for it to
 * come back (`reconnecting`). An agent kept online by HTTP beats or health reports has no socket
 * either, and is Online.
 */
export const PRESENCE_WORDS = Object.freeze({ online: 'Online', reconnecting: 'Reconnecting', offline: 'Offline' });

export function agentPresence(agent) {
  if (!agent || agent.status !== 'online') return 'offline';
  return agent.reconnecting === true ? 'reconnecting' : 'online';
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The spans of [from, to] in which an agent was online or offline, oldest first, from its
 * transitions ({status, ts}, in any order). Before its first transition in the window the agent
 * was in the other state (transitions alternate), or, with none in the window, in `current`.
 * Time before `existsFrom` (when it joined) belongs to no span: uptime counts the time it existed.
 */
export function presenceSpans(transitions, { from, to, existsFrom = null, current = 'offline' }) {
  const start = Math.max(from, Number.isFinite(existsFrom) ? existsFrom : from);
  if (!(to > start)) return [];
  const ordered = [...(transitions || [])]
    .filter((t) => t && (t.status === 'online' || t.status === 'offline') && Number.isFinite(t.ts))
    .sort((a, b) => a.ts - b.ts);
  const before = ordered.filter((t) => t.ts <= start);
  const inside = ordered.filter((t) => t.ts > start && t.ts < to);
  let state;
  if (before.length) state = before[before.length - 1].status;
  else if (inside.length) state = inside[0].status === 'online' ? 'offline' : 'online';
  else state = current === 'online' ? 'online' : 'offline';
  const spans = [];
  let at = start;
  for (const transition of inside) {
    if (transition.status === state) continue;
    if (transition.ts > at) spans.push({ status: state, from: at, to: transition.ts });
    state = transition.status;
    at = transition.ts;
  }
  spans.push({ status: state, from: at, to });
  return spans;
}

/** The fraction of the spans' time that was online (null when they cover no time). */
export function onlineFraction(spans) {
  let total = 0;
  let online = 0;
  for (const span of spans) {
    total += span.to - span.from;
    if (span.status === 'online') online += span.to - span.from;
  }
  return total > 0 ? online / total : null;
}

/** An uptime fraction as a percentage: "100%", "99.9%" (never rounded up to 100), "42.5%", "0%". */
export function uptimePercent(fraction) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  if (fraction >= 1) return '100%';
  const tenths = Math.floor(fraction * 1000) / 10;
  return `${tenths.toFixed(tenths === Math.trunc(tenths) ? 0 : 1)}%`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an SVG element: attributes as given, children nodes or strings. */
export function svgEl(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Runs async jobs with at most `limit` at a time, each key once while queued or running
 * (e.g. an agent's history while many agents come in).
 */
export class BoundedQueue {
  constructor(limit, run) {
    this.limit = limit;
    this.run = run;
    this.waiting = [];
    this.keys = new Set();
    this.active = 0;
  }

  add(key) {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.waiting.push(key);
    this.pump();
  }

  pump() {
    while (this.active < this.limit && this.waiting.length) {
      const key = this.waiting.shift();
      this.active += 1;
      Promise.resolve()
        .then(() => this.run(key))
        .catch(() => {})
        .finally(() => {
          this.active -= 1;
          this.keys.delete(key);
          this.pump();
        });
    }
  }
}
