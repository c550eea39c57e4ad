"""The clients of a chaos run: agents (onboard, heartbeat, close, drop, reconnect, clone) and
watchers (one per colony per hub, recording every message). Each keeps the truth about itself
that the checker compares the hub's answers with: the codes it was welcomed with, the agent ids
it was told of, how many times a welcomed socket of it ended (its real online -> offline
transitions), and whether it ends connected and heartbeating."""
import asyncio
import itertools
import random
import time
from collections import Counter

from . import http
from .topology import ADMIN_TOKEN, HOST
from .ws import Closed, WebSocket


class World:
    """What the actors share: the hubs' ports, the clock, the phase, and the record."""

    def __init__(self, hub_ports, ttl_s, seed):
        self.hub_ports = hub_ports
        self._rng = random.Random(f'{seed}:actors')
        self.ttl_s = ttl_s
        self.t0 = time.monotonic()
        self.settling = asyncio.Event()  # chaos over: agents take their final state
        self.done = asyncio.Event()  # checks over: everyone stops
        self.welcomes = []  # {code, agent, colony, hub, t, via}
        self.told = []  # agents a hub said exist (welcome or cloned): {agent, colony, via, t}
        self.refusals = []  # a hello with a token a hub had handed out, refused
        self.counts = Counter()
        self.errors = Counter()
        self.agents = []
        self.watchers = []

    def now(self):
        return round(time.monotonic() - self.t0, 3)

    def spawn_rng(self):
        return random.Random(self._rng.getrandbits(64))

    def start_agent(self, agent):
        self.agents.append(agent)
        agent.task = asyncio.create_task(agent.run())
        return agent


class Conn:
    """One WebSocket of an agent: a reader that routes replies by id, and, once welcomed, a
    heartbeat every quarter of the presence TTL."""
    _ids = itertools.count(1)

    def __init__(self, ws, port):
        self.ws = ws
        self.port = port
        self.pending = {}
        self.ended = asyncio.Event()
        self.code = None
        self.reader = asyncio.create_task(self._read())
        self.beat = None
        self.quiet_until = 0.0  # loop time: no heartbeat before it (an agent falling silent)

    @classmethod
    async def open(cls, port):
        return cls(await WebSocket.connect(HOST, port), port)

    async def _read(self):
        try:
            while True:
                msg = await self.ws.recv()
                fut = self.pending.pop(msg.get('id'), None)
                if fut and not fut.done():
                    fut.set_result(msg)
        except Closed as e:
            self.code = e.code
        except Exception as e:  # a malformed frame: the connection is unusable
            self.code = f'reader: {e!r}'
            self.ws.abort()
        finally:
            self.ended.set()
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(Closed(self.code))

    async def request(self, msg, timeout=5.0):
        rid = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self.pending[rid] = fut
        await self.ws.send({**msg, 'id': rid})
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self.pending.pop(rid, None)

    def start_heartbeat(self, period):
        async def beat():
            loop = asyncio.get_running_loop()
            try:
                while not self.ended.is_set():
                    if loop.time() >= self.quiet_until:
                        await self.ws.send({'type': 'heartbeat'})
                    await asyncio.sleep(period)
            except (Closed, ConnectionError, OSError):
                self.ws.abort()
        self.beat = asyncio.create_task(beat())

    async def close(self):
        """A clean close (close frame, wait for the hub's)."""
        try:
            await self.ws.send_close(1000)
            await asyncio.wait_for(self.ended.wait(), 3)
        except (Closed, ConnectionError, OSError, asyncio.TimeoutError):
            pass
        self.drop()

    def drop(self):
        self.ws.abort()
        if self.beat:
            self.beat.cancel()

    async def wait_ended(self):
        await self.ended.wait()
        if self.beat:
            self.beat.cancel()


class Lost(Exception):
    """No answer to a request that was sent: it may or may not have taken effect."""


class Agent:
    """One agent. A remote agent starts from an invite; a hosted one (a clone) from the token of
    a `cloned` reply, and may never connect."""

    def __init__(self, world, colony, name, rng, behaviour, token=None, agent_id=None, hosted=False):
        self.world = world
        self.colony = colony
        self.name = name
        self.rng = rng
        self.b = behaviour
        self.token = token
        self.id = agent_id
        self.hosted = hosted
        self.code = None
        self.conn = None
        self.downs = 0  # welcomed sockets that ended: real online -> offline transitions
        self.ups = 0
        self.clones = 0
        self.refused = 0  # hellos refused as unauthorized (the checker reports them)
        self.final = None  # 'online' | 'offline' once settled
        self.settled = asyncio.Event()
        self.timeline = []  # [t, what, hub port]: what this agent did and saw
        self.never_connects = hosted and rng.random() < behaviour['clone_idle']

    # -- helpers -------------------------------------------------------------------------

    def port(self):
        return self.rng.choice(self.world.hub_ports)

    def _ended(self):
        """The welcomed socket ended (whoever ended it)."""
        if self.conn is not None:
            self.downs += 1
            self.world.counts[f'agent socket ended: {self.conn.code}'] += 1
            self.note(f'ended ({self.conn.code})', self.conn.port)
            self.conn = None

    def note(self, what, port=None):
        self.timeline.append([self.world.now(), what, port])

    async def _sleep(self, lo, hi):
        await asyncio.sleep(self.rng.uniform(lo, hi))

    # -- joining -------------------------------------------------------------------------

    async def new_invite(self):
        while True:
            port = self.port()
            try:
                status, body = await http.request(port, 'POST', f'/v1/colonies/{self.colony}/invites',
                                                  {'type': 'agent', 'name': self.name})
                if status == 201:
                    self.world.counts['invites created'] += 1
                    return body['code']
                self.world.errors[f'create invite: HTTP {status}'] += 1
            except http.HttpError:
                self.world.errors['create invite: no answer'] += 1
            await self._sleep(0.2, 1.0)

    async def try_onboard(self, code, port):
        """('welcome', conn, msg) | ('error', code) | ('lost', sent)."""
        try:
            conn = await Conn.open(port)
        except (OSError, ConnectionError, asyncio.TimeoutError):
            return ('lost', False)
        try:
            msg = await conn.request({'type': 'onboard', 'code': code, 'name': self.name})
        except (Closed, ConnectionError, OSError, asyncio.TimeoutError):
            conn.drop()
            return ('lost', True)
        if msg.get('type') == 'welcome':
            return ('welcome', conn, msg)
        conn.drop()
        return ('error', msg.get('code'))

    async def onboard(self):
        code = await self.new_invite()
        maybe_spent = False  # an attempt with this code went unanswered
        while True:
            ports = [self.port()]
            if self.rng.random() < self.b['race']:  # the same code on two hubs at once
                ports.append(self.rng.choice([p for p in self.world.hub_ports if p != ports[0]]))
                self.world.counts['onboard races'] += 1
            results = await asyncio.gather(*(self.try_onboard(code, p) for p in ports))
            welcomes = [r for r in results if r[0] == 'welcome']
            for _, conn, msg in welcomes:
                self.world.welcomes.append({'code': code, 'agent': msg['agent']['id'], 'colony': self.colony,
                                            'hub': conn.port, 't': self.world.now()})
                self.world.told.append({'agent': msg['agent']['id'], 'colony': self.colony, 'via': 'welcome',
                                        't': self.world.now()})
            if welcomes:
                _, conn, msg = welcomes[0]
                for _, extra, _ in welcomes[1:]:  # a second welcome for one code: the checker reports it
                    await extra.close()
                self.code, self.id, self.token = code, msg['agent']['id'], msg['token']
                self._connected(conn, 'onboard')
                return
            errors = [r[1] for r in results if r[0] == 'error']
            if any(r[0] == 'lost' and r[1] for r in results):
                maybe_spent = True
            if 'invalid_code' in errors:
                if not maybe_spent and len(ports) == 1:
                    # A fresh code nobody else holds, refused: recorded for the report.
                    self.world.counts['fresh code refused'] += 1
                self.world.counts['codes given up'] += 1
                code, maybe_spent = await self.new_invite(), False
                continue
            for e in errors:
                self.world.errors[f'onboard: {e}'] += 1
            await self._sleep(0.2, 1.0)

    async def hello(self):
        try:
            conn = await Conn.open(self.port())
        except (OSError, ConnectionError, asyncio.TimeoutError):
            self.world.errors['hello: connect failed'] += 1
            return False
        try:
            msg = await conn.request({'type': 'hello', 'token': self.token})
        except (Closed, ConnectionError, OSError, asyncio.TimeoutError):
            conn.drop()
            self.world.errors['hello: no answer'] += 1
            self.note('hello: no answer', conn.port)
            return False
        if msg.get('type') == 'welcome':
            self._connected(conn)
            return True
        conn.drop()
        self.world.errors[f"hello: {msg.get('code')}"] += 1
        self.note(f"hello: {msg.get('code')}", conn.port)
        if msg.get('code') == 'unauthorized':
            self.refused += 1
            self.world.refusals.append({'agent': self.id, 'colony': self.colony, 'hub': conn.port,
                                        't': self.world.now()})
        return False

    def _connected(self, conn, how='hello'):
        self.note(f'welcome ({how})', conn.port)
        self.conn = conn
        self.ups += 1
        conn.start_heartbeat(self.world.ttl_s / 4)

    # -- living --------------------------------------------------------------------------

    async def run(self):
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a harness bug must not pass for a hub's
            self.world.errors[f'agent crashed: {e!r}'] += 1
            raise

    async def _run(self):
        if self.never_connects:
            self.final = 'offline'
            self.settled.set()
            await self.world.done.wait()
            return
        if self.hosted:
            await self._sleep(0, 3)
        else:
            await self.onboard()
        while not self.world.settling.is_set():
            if self.conn is None:
                await self._sleep(0.1, 1.5)
                await self.hello()
                continue
            if self.conn.ended.is_set():
                self._ended()
                continue
            await self.act()
        await self.settle()

    async def act(self):
        """One tick of a connected agent: mostly nothing (the heartbeat task beats)."""
        tick = 0.5
        r = self.rng.random()
        b = self.b
        if r < b['close'] * tick:
            self.world.counts['agent closes'] += 1
            self.note('close', self.conn.port)
            await self.conn.close()
            self._ended()
            await self._sleep(0.2, 4)
        elif r < (b['close'] + b['drop']) * tick:
            self.world.counts['agent drops'] += 1
            self.note('drop', self.conn.port)
            self.conn.drop()
            self._ended()
            await self._sleep(0.1, 3)
        elif r < (b['close'] + b['drop'] + b['clone']) * tick and not self.hosted and self.clones < b['max_clones']:
            await self.clone()
        elif r < (b['close'] + b['drop'] + b['clone'] + b['silent']) * tick:
            # Silent for a while: under the TTL it must stay online; over it the hub ends the
            # socket (reason timeout), which counts as a real transition when it happens.
            ttl = self.world.ttl_s
            quiet = self.rng.choice((0.4, 0.6, 1.5, 2.0)) * ttl
            self.world.counts['agent silences'] += 1
            self.note(f'silent {quiet:.1f} s', self.conn.port)
            self.conn.quiet_until = asyncio.get_running_loop().time() + quiet
            try:
                await asyncio.wait_for(self.conn.ended.wait(), quiet + 0.5)
            except asyncio.TimeoutError:
                pass
        else:
            try:
                await asyncio.wait_for(self.conn.ended.wait(), tick)
            except asyncio.TimeoutError:
                pass

    async def clone(self):
        conn = self.conn
        try:
            msg = await conn.request({'type': 'clone'})
        except (Closed, ConnectionError, OSError, asyncio.TimeoutError):
            self.world.errors['clone: no answer'] += 1
            return
        if msg.get('type') != 'cloned':
            self.world.errors[f"clone: {msg.get('code')}"] += 1
            return
        self.clones += 1
        cid = msg['agent']['id']
        self.world.counts['clones'] += 1
        self.world.told.append({'agent': cid, 'colony': self.colony, 'via': 'cloned', 't': self.world.now()})
        worker = Agent(self.world, self.colony, cid, self.world.spawn_rng(), self.b, token=msg['token'],
                       agent_id=cid, hosted=True)
        self.world.start_agent(worker)

    async def settle(self):
        """The final state: connected and heartbeating, or closed; held until the checks end."""
        r = self.rng.random()
        want = 'online' if r < self.b['final_online'] else 'offline'
        silent = want == 'offline' and r < self.b['final_online'] + self.b['final_silent']
        if want == 'online' or silent:
            refused_before = self.refused
            while self.conn is None or self.conn.ended.is_set():
                if self.conn is not None:
                    self._ended()
                if self.refused - refused_before >= 3:  # its token is gone: it cannot be online
                    want, silent = 'offline', False
                    self.note('token refused: settles offline')
                    break
                await self.hello() or await asyncio.sleep(0.3)
        elif self.conn is not None:
            self.note('close (final)', self.conn.port)
            await self.conn.close()
            self._ended()
        if silent:  # connected, and never a frame again: the hub ends it after the TTL (timeout)
            self.note('silent (final)', self.conn.port)
            self.conn.quiet_until = float('inf')
        self.final = want
        self.note(f'settled {want}')
        self.settled.set()
        while not self.world.done.is_set():  # a drop now would be a fault the checks do not expect
            if silent and self.conn is not None and self.conn.ended.is_set():
                self._ended()
            elif self.conn is not None and self.conn.ended.is_set():
                self.world.counts['agent socket ended while settled'] += 1
                self._ended()
                self.final = 'offline'
                self.world.errors['agent socket ended while settled'] += 1
            await asyncio.sleep(0.2)
        if self.conn is not None:
            self.conn.drop()


class Watcher:
    """One watcher of one colony on one hub. Every connection is recorded: how it started
    (snapshot or resume, seq, epoch), every event, and how it ended. On a reconnect it asks to
    resume from its last seq most of the time, and takes a fresh snapshot otherwise."""

    def __init__(self, world, colony, hub_index, rng, resume_p=0.7):
        self.world = world
        self.colony = colony
        self.hub_index = hub_index
        self.rng = rng
        self.resume_p = resume_p
        self.connections = []
        self.view = {}  # agent id -> status, as this watcher's stream says
        self.live = False  # started and connected
        self.seq = None
        self.epoch = None
        self.ws = None

    @property
    def port(self):
        return self.world.hub_ports[self.hub_index]

    def drop(self):
        if self.ws is not None:
            self.ws.abort()

    async def run(self):
        while not self.world.done.is_set():
            await self.connect_once()
            await asyncio.sleep(self.rng.uniform(0.1, 0.8))

    async def connect_once(self):
        try:
            ws = await WebSocket.connect(HOST, self.port)
        except (OSError, ConnectionError, asyncio.TimeoutError):
            return
        self.ws = ws
        req = {'type': 'watch', 'colony': self.colony, 'token': ADMIN_TOKEN, 'id': 1}
        if self.seq is not None and self.rng.random() < self.resume_p:
            req['since'] = self.seq
            if self.epoch is not None:
                req['epoch'] = self.epoch
        conn = {'hub': self.port, 't': self.world.now(), 'asked': {k: req[k] for k in ('since', 'epoch') if k in req},
                'start': None, 'events': [], 'end': None}
        self.connections.append(conn)
        self.world.counts['watch connections'] += 1
        try:
            await ws.send(req)
            while True:
                msg = await ws.recv()
                self.on_message(conn, msg)
                if conn.get('error'):
                    ws.abort()
                    return
        except Closed as e:
            conn['end'] = e.code
        except (ConnectionError, OSError) as e:
            conn['end'] = f'{type(e).__name__}'
        finally:
            self.live = False
            self.ws = None
            conn['t_end'] = self.world.now()

    def on_message(self, conn, msg):
        kind = msg.get('type')
        if kind == 'snapshot':
            conn['start'] = {'kind': 'snapshot', 'seq': msg['seq'], 'epoch': msg.get('epoch'),
                             'agents': {a['id']: a['status'] for a in msg['agents']}, 'parts': msg.get('parts', 1)}
            self.view = dict(conn['start']['agents'])
            self.seq, self.epoch = msg['seq'], msg.get('epoch')
            self.live = conn['start']['parts'] <= 1
        elif kind == 'snapshot_part':
            for a in msg['agents']:
                conn['start']['agents'][a['id']] = a['status']
                self.view[a['id']] = a['status']
            self.live = msg.get('part') == conn['start']['parts']
        elif kind == 'resume':
            conn['start'] = {'kind': 'resume', 'seq': msg['seq'], 'epoch': msg.get('epoch')}
            self.seq = msg['seq']
            if msg.get('epoch') is not None:
                self.epoch = msg['epoch']
            self.live = True
        elif kind == 'event':
            a = msg.get('agent') or {}
            ev = {'seq': msg['seq'], 'epoch': msg.get('epoch'), 'event': msg['event'], 'agent': a.get('id'),
                  'status': a.get('status'), 'reason': msg.get('reason'), 'invite': msg.get('invite'),
                  't': self.world.now()}
            conn['events'].append(ev)
            if a.get('id') is not None and a.get('status'):
                self.view[a['id']] = a['status']
            self.seq = msg['seq']
            if msg.get('epoch') is not None:
                self.epoch = msg['epoch']
        elif kind == 'error':
            conn['error'] = msg.get('code')
            self.world.errors[f"watch: {msg.get('code')}"] += 1
