"""bigcolony: one colony of 1,000, 10,000 and 100,000 agents, most of them online; a watcher's
snapshot of it (time, bytes, parts, the hub's memory), and the longest single Redis call while
agents connect, while the snapshot is read, while a hub's agents heartbeat (the refresh batches)
and while a lost hub's agents are swept; beside Socket.IO's fetchSockets() of a room as large."""
import contextlib
import json
import math
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .. import measure, servers
from ..generators import loadgen, prepare_tokens
from ..processes import log
from ..settings import ADMIN_TOKEN

NAME = 'bigcolony'
# SLOWLOG's threshold in every phase: calls over 100 µs are logged (the longest is the figure).
# At 0, Redis also logs each command inside a script, and that logging lengthens the script.
CALLS_SLOWER_THAN_US = 100


@dataclass(frozen=True)
class Params:
    sizes: tuple
    part_agents: int           # the hubs' --snapshot-part-agents
    victim_agents: int         # agents on the hub killed for the sweep (at the largest size)
    refresh_s: int             # hold with agents heartbeating, for the refresh batches' calls
    per_process: int = 19000   # sockets per hub, generator or Socket.IO process (open files 20,000)
    sources: int = 20          # source addresses 127.0.0.2.. (one per generator, round robin)
    heartbeat_s: int = 30
    repeat: int = 3            # snapshots read one after the other; the figure is their median
    slow_us: int = CALLS_SLOWER_THAN_US  # SLOWLOG threshold
    redis_nice: int = -10      # Redis' priority: calls are timed, not the scheduler's preemptions
    sweep_deadline_s: int = 120
    peer_fetches: int = 3


FULL = Params(sizes=(1000, 10000, 100000), part_agents=1000, victim_agents=19000, refresh_s=60)
QUICK = Params(sizes=(200, 1000), part_agents=100, victim_agents=300, refresh_s=5, per_process=400,
               sweep_deadline_s=60)

# The target: no single Redis call of 10 ms or more with a colony of 100,000.
LONGEST_CALL_LIMIT_MS = 10


def params(quick, settings):
    return QUICK if quick else FULL


def source(i, p):
    return f'127.0.0.{2 + i % p.sources}'


def run(ctx, p):
    parts_flag = servers.hub_accepts(ctx, '--snapshot-part-agents')
    if not parts_flag:
        log('this mi-hub has no --snapshot-part-agents: it sends every snapshot as one message')
    extra = ('--snapshot-part-agents', str(p.part_agents)) if parts_flag else ()
    ours = {}
    with servers.Redis(ctx, nice=p.redis_nice) as redis, contextlib.ExitStack() as stack:
        # The watcher's hub holds no agent: its memory is the snapshot's.
        watch_hub = stack.enter_context(servers.hub(ctx, 'hub-watch', redis, 'big-watch', extra=extra))
        agent_hubs = []
        for size in p.sizes:
            need = math.ceil(size / p.per_process)
            while len(agent_hubs) < need:
                i = len(agent_hubs)
                agent_hubs.append(stack.enter_context(servers.hub(ctx, f'hub-{i}', redis, f'big-{i}', extra=extra)))
            sweep = size == max(p.sizes)
            victim = servers.hub(ctx, 'hub-victim', redis, 'big-victim', extra=extra) if sweep else None
            with contextlib.ExitStack() as held:
                if victim:
                    held.enter_context(victim)
                ours[str(size)] = one_size(ctx, p, redis, size, watch_hub, agent_hubs[:need], victim)
    peer = {}
    with servers.Redis(ctx, 'redis-peer', nice=p.redis_nice) as peer_redis:
        # fetchSockets() answers travel as pub/sub messages: a room of 100,000 passes Redis'
        # default limit for a subscriber's pending output (32 MiB), which would cut the asking
        # server off. The peer gets no such limit: what is timed is the adapter, not a setting.
        peer_redis.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 0 0')
        for size in p.sizes:
            try:
                peer[str(size)] = socketio_size(ctx, p, peer_redis, size)
            except Exception as e:  # recorded: a peer that breaks at a size is a measurement
                log(f'Socket.IO {size:,}: {e!r}')
                peer[str(size)] = {'size': size, 'servers': math.ceil(size / p.per_process), 'connected': None,
                                   'held': None, 'fetches': [], 'median_ms': None, 'bytes': None,
                                   'client_errors': [repr(e)]}
    return {'hub': ours, 'peer_socketio': peer, 'hub_snapshot_parts_flag': parts_flag}


def spread(p, size, hub_ports, victim_port, victim_agents):
    """(offset, count, hub ports) of each generator: the victim's agents first, from generators
    of their own, then the rest over the other hubs."""
    out, offset = [], 0
    groups = [(victim_agents, [victim_port])] if victim_port else []
    groups.append((size - (victim_agents if victim_port else 0), hub_ports))
    for count, ports in groups:
        for k in range(math.ceil(count / p.per_process)):
            n = min(p.per_process, count - k * p.per_process)
            out.append((offset, n, ports))
            offset += n
    return out


def stats(port, colony, timeout=30):
    req = urllib.request.Request(f'http://127.0.0.1:{port}/v1/colonies/{colony}/stats',
                                 headers={'Authorization': f'Bearer {ADMIN_TOKEN}'})
    return measure.http_json(req, timeout)


def one_size(ctx, p, redis, size, watch_hub, hubs, victim):
    colony = f'big-{size}'
    victim_agents = min(p.victim_agents, size // 2) if victim else 0
    log(f'--- {size:,} agents in colony {colony} over {len(hubs)} hubs' +
        (f' and a hub of {victim_agents:,} to lose' if victim else ''))
    tokens, prep = prepare_tokens(ctx, [h.port for h in hubs], size, colony, concurrency=500, colony=colony)
    out = {'prepare': prep, 'hubs': len(hubs) + (1 if victim else 0)}

    redis.watch_calls(p.slow_us)
    t0 = time.monotonic()
    gens = []
    for i, (offset, count, ports) in enumerate(spread(p, size, [h.port for h in hubs], victim and victim.port,
                                                      victim_agents)):
        gens.append(loadgen(ctx, 'agents', f'big-{size}-{i}', ports, tokens=tokens, offset=offset, count=count,
                            heartbeat=p.heartbeat_s, duration=86400, barrier=True, concurrency=300,
                            source=source(i, p), colony=colony))
    readies = [g.wait('ready', 900) for g in gens]
    online = sum(r['online'] for r in readies)
    out['connect'] = {'online': online, 'seconds': time.monotonic() - t0,
                      'failures': sum(r['failures'] for r in readies), 'calls': redis.read_calls()}
    log(f'{online:,} of {size:,} online in {out["connect"]["seconds"]:.1f} s; longest Redis call while connecting '
        f'{fmt_us(out["connect"]["calls"]["max_us"])}')
    for g in gens:
        g.go()

    out['snapshot'] = snapshot(ctx, p, redis, watch_hub, colony, size)
    out['list'] = list_agents(redis, watch_hub, colony, size)
    if victim:
        redis.watch_calls(p.slow_us)
        time.sleep(p.refresh_s)
        out['refresh'] = {'seconds': p.refresh_s, 'online': sum((g.progress or {}).get('online', 0) for g in gens),
                          'calls': redis.read_calls()}
        log(f'refresh: longest Redis call over {p.refresh_s} s {fmt_us(out["refresh"]["calls"]["max_us"])}')
        out['sweep'] = sweep(ctx, p, redis, watch_hub, victim, colony, size, victim_agents)
    for g in gens:
        g.kill()
    return out


def fmt_us(us):
    return '-' if us is None else f'{us / 1000:.2f} ms'


def snapshot(ctx, p, redis, watch_hub, colony, size):
    w = loadgen(ctx, 'snapshot', f'snapshot-{size}', [watch_hub.port], colony=colony, repeat=p.repeat, barrier=True,
                source='127.0.0.2')
    w.wait('ready', 60)
    redis.watch_calls(CALLS_SLOWER_THAN_US)
    rss0 = measure.rss_kib(watch_hub.pid)
    sampler = measure.RssSampler(watch_hub.pid).start()
    w.go()
    rep = w.finish(600)
    peak = sampler.stop()
    rss1 = measure.rss_kib(watch_hub.pid)
    calls = redis.read_calls()
    ms = statistics.median(rep['snapshot_ms'])
    log(f"snapshot of {size:,}: {ms:.1f} ms (median of {len(rep['snapshot_ms'])}), {rep['bytes'][0]:,} bytes in "
        f"{rep['parts'][0]} parts, {rep['agents'][0]:,} agents; hub RSS {rss0 / 1024:.1f} -> peak {peak / 1024:.1f} "
        f"MiB; longest Redis call {fmt_us(calls['max_us'])}")
    return {**rep, 'median_ms': ms, 'rss_before_kib': rss0, 'rss_peak_kib': peak, 'rss_after_kib': rss1,
            'rss_samples': len(sampler.samples), 'calls': calls}


def list_agents(redis, hub, colony, size, limit=1000):
    """GET /v1/colonies/{colony}/agents page by page (limit, cursor, until next_cursor is null;
    a hub without pages answers everything at once, with no next_cursor): the time, pages, bytes
    and agents, and the longest Redis call meanwhile."""
    redis.watch_calls(CALLS_SLOWER_THAN_US)
    t0 = time.monotonic()
    pages, agents, nbytes, cursor = 0, 0, 0, None
    while True:
        url = f'http://127.0.0.1:{hub.port}/v1/colonies/{colony}/agents?limit={limit}'
        if cursor:
            url += '&cursor=' + urllib.parse.quote(str(cursor))
        req = urllib.request.Request(url, headers={'Authorization': f'Bearer {ADMIN_TOKEN}'})
        with urllib.request.urlopen(req, timeout=120) as r:
            body = r.read()
        page = json.loads(body)
        pages += 1
        agents += len(page.get('agents', []))
        nbytes += len(body)
        cursor = page.get('next_cursor')
        if not cursor or pages > size:
            break
    seconds = time.monotonic() - t0
    calls = redis.read_calls()
    log(f'agents list of {size:,}: {agents:,} agents in {pages} pages, {nbytes:,} bytes, {seconds * 1000:.0f} ms; '
        f'longest Redis call {fmt_us(calls["max_us"])}')
    return {'seconds': seconds, 'pages': pages, 'agents': agents, 'bytes': nbytes, 'limit': limit, 'calls': calls}


def sweep(ctx, p, redis, watch_hub, victim, colony, size, victim_agents):
    """SIGKILL the hub holding victim_agents; the time until the colony counts them offline (its
    stats, read once a second through the watcher's hub), and the longest call meanwhile."""
    # The scripts the stats read itself runs (a count of 1,000 agents per call), to tell them
    # from the sweep's calls.
    redis.watch_calls(CALLS_SLOWER_THAN_US)
    before = stats(watch_hub.port, colony)['online']
    own = {k for k in redis.read_calls()['max_by_command'] if k.startswith(('evalsha', 'fcall'))}
    redis.watch_calls(p.slow_us)
    t0 = time.monotonic()
    victim.kill()
    online, offline_s = before, None
    while time.monotonic() - t0 < p.sweep_deadline_s:
        time.sleep(1)
        online = stats(watch_hub.port, colony)['online']
        if online <= before - victim_agents:
            offline_s = time.monotonic() - t0
            break
    calls = redis.read_calls()
    calls['stats_scripts'] = sorted(own)
    calls['max_us_with_stats'], calls['max_command_with_stats'] = calls['max_us'], calls['max_command']
    calls['max_us'], calls['max_command'] = measure.longest_except(calls, own)
    log(f'sweep: {before - online:,} of {victim_agents:,} offline after '
        f'{"-" if offline_s is None else f"{offline_s:.1f} s"}; longest Redis call {fmt_us(calls["max_us"])} '
        f'({fmt_us(calls["max_us_with_stats"])} with the stats reads)')
    return {'victim_agents': victim_agents, 'online_before': before, 'online_after': online, 'offline_s': offline_s,
            'calls': calls}


def socketio_size(ctx, p, redis, size):
    """Socket.IO: `size` clients in one room over as many server processes as the open-files cap
    needs, and fetchSockets() of the room timed from the first server."""
    n = math.ceil(size / p.per_process)
    log(f'--- Socket.IO: {size:,} clients over {n} servers')
    with contextlib.ExitStack() as stack:
        srvs = [stack.enter_context(servers.socketio_room_server(ctx, f'sio-{i}', redis)) for i in range(n)]
        urls = ','.join(f'http://127.0.0.1:{s.port}' for s in srvs)
        clients = []
        for i in range(n):
            count = min(p.per_process, size - i * p.per_process)
            cmd = ['node', f'{ctx.settings.peers}/socketio_room.mjs', 'clients', '--urls', urls, '--count', str(count)]
            log(' '.join(cmd))
            from ..generators import Generator
            clients.append(Generator(ctx, cmd, f'sio-clients-{size}-{i}'))
        readies = []
        for c in clients:
            try:
                readies.append(c.wait('ready', 900))
            except Exception as e:  # a client process that could not hold its share
                readies.append({'connected': (c.progress or {}).get('connected', 0), 'failures': None,
                                'last_error': repr(e)})
        connected = sum(r['connected'] for r in readies)
        held = 0
        for s in srvs:  # a server that died of its share counts none
            try:
                held += measure.http_json(f'http://127.0.0.1:{s.port}/count', 60)['sockets']
            except Exception as e:
                readies.append({'connected': 0, 'last_error': f'{s.name}: {e!r}'})
        fetches = []
        for _ in range(p.peer_fetches):
            b0 = redis.info('stats').get('total_net_input_bytes', 0)
            try:
                f = measure.http_json(f'http://127.0.0.1:{srvs[0].port}/fetch', 600)
            except Exception as e:
                f = {'count': None, 'ms': None, 'error': repr(e)}
            f['redis_input_bytes'] = redis.info('stats').get('total_net_input_bytes', 0) - b0
            fetches.append(f)
        rss = sum(measure.rss_kib(s.pid) for s in srvs if s.running())
        for c in clients:
            c.kill()
    good = [f['ms'] for f in fetches if f.get('count')]
    out = {'size': size, 'servers': n, 'connected': connected, 'held': held, 'fetches': fetches,
           'median_ms': statistics.median(good) if good else None,
           'bytes': next((f['bytes'] for f in fetches if f.get('count')), None),
           'servers_rss_kib': rss, 'client_errors': sorted({r.get('last_error') or '' for r in readies} - {''})}
    log(f"Socket.IO {size:,}: {held:,} held; fetchSockets {out['median_ms'] and round(out['median_ms'], 1)} ms, "
        f"counts {[f.get('count') for f in fetches]}")
    return out
