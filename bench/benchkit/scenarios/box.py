"""box: many agents over several hubs and one Redis, held; who stays online, what each agent
costs the hubs, the kernel and Redis, Redis commands per agent per minute, and the machine's CPU.
`bench/run box --agents N` sizes it: a hub and a generator process per 19,000 agents (the
open-files cap of 20,000 per process), their sockets over 20 source addresses."""
import contextlib
import dataclasses
import math
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import go_all, loadgen, prepare_tokens
from ..processes import log

NAME = 'box'

# Sockets per hub and per generator process: under the open-files cap of 20,000, with room for
# the process's own files and Redis connections.
PER_PROCESS = 19000
SOURCES = 20
# The connect stops (and the count reached is recorded) when the machine's available memory falls
# below this: the machine is shared, and the OOM killer would pick some process, not this run.
MEMORY_FLOOR_KIB = 1536 * 1024


@dataclass(frozen=True)
class Params:
    agents: int
    hubs: int
    generators: int
    hold_s: int
    peer_hold_s: int
    heartbeat_s: int = 30
    sample_every_s: int = 10
    sources: int = SOURCES
    # Redis' priority (ours and the peer's). With a hub and a generator per 19,000 agents, a million
    # makes over a hundred busy processes on two cores; at the default priority Redis got a
    # hundredth of a core, every hub's commands timed out, and no agent came online.
    redis_nice: int = -10


FULL = Params(agents=100000, hubs=6, generators=6, hold_s=600, peer_hold_s=120)
QUICK = Params(agents=400, hubs=2, generators=2, hold_s=5, peer_hold_s=5)


def sized(p, agents, per_process=PER_PROCESS):
    """p for `agents`: a hub and a generator per per_process agents."""
    n = max(1, math.ceil(agents / per_process))
    return dataclasses.replace(p, agents=agents, hubs=n, generators=n)


def params(quick, settings):
    agents = getattr(settings, 'agents', None)
    if quick:
        return sized(QUICK, agents, per_process=200) if agents else QUICK
    # MI_BENCH_BOX_SECONDS: the hub's hold; the peer holds at most the full peer hold.
    p = dataclasses.replace(FULL, hold_s=settings.box_seconds,
                            peer_hold_s=min(settings.box_seconds, FULL.peer_hold_s))
    return sized(p, agents) if agents else p


def source(i, p):
    """The source address of the i-th generator: 127.0.0.2 and up, round robin over p.sources."""
    return f'127.0.0.{2 + i % p.sources}'


def run(ctx, p):
    log(f'box: {p.agents:,} agents, {p.hubs} hubs, {p.generators} generators, {p.sources} source addresses')
    with servers.Redis(ctx, nice=p.redis_nice) as redis, contextlib.ExitStack() as stack:
        hubs = [stack.enter_context(servers.hub(ctx, f'hub-{i}', redis, f'box-{i}')) for i in range(p.hubs)]
        t0 = time.monotonic()
        tokens, prep = prepare_tokens(ctx, [h.port for h in hubs[:8]], p.agents, 'box', concurrency=500)
        prep['seconds'] = time.monotonic() - t0
        time.sleep(2)
        ours = hold(ctx, p, tokens, hubs, 'hub', p.hold_s, redis, partial_ok=True)
    # The peer after ours, one after the other: both at once would pass the machine's file-max.
    with servers.Redis(ctx, 'redis-peer', nice=p.redis_nice) as peer_redis, contextlib.ExitStack() as stack:
        try:
            peers = [stack.enter_context(servers.ws_peer(ctx, f'ws-{i}', peer_redis)) for i in range(p.hubs)]
            peer = hold(ctx, p, tokens, peers, 'ws', p.peer_hold_s, peer_redis, partial_ok=True)
        except Exception as e:  # recorded: the largest count it held is in what it printed
            log(f'ws peer: {e!r}')
            peer = {'error': repr(e), 'online_at_start': None, 'min_online': None, 'online_at_end': None,
                    'redis_commands_per_agent_minute': None, 'seconds': 0, 'failures': None,
                    'server_cpu_cores': None, 'rss_mib_total': None}
    return {'hub': ours, 'peer_ws': peer, 'prepare': prep}


def agents_of(p, i):
    """(offset, count) of the i-th generator; the last takes the remainder, so that exactly
    p.agents connect."""
    per = p.agents // p.generators
    return i * per, per if i < p.generators - 1 else p.agents - per * (p.generators - 1)


def hold(ctx, p, tokens, servers_, label, hold_s, redis, partial_ok=False):
    """Connects p.agents over servers_, holds them hold_s; partial_ok: a connect that stops short
    is recorded (the count reached and the kernel's counters then) instead of raised."""
    rss0 = sum(measure.rss_kib(s.pid) for s in servers_)
    kernel0 = measure.kernel_memory()
    mem0 = redis.info('memory').get('used_memory')
    t_connect = time.monotonic()
    gens = []
    for i in range(p.generators):
        offset, count = agents_of(p, i)
        gens.append(loadgen(ctx, 'agents', f'box-{label}-{i}', [s.port for s in servers_], tokens=tokens,
                            offset=offset, count=count, heartbeat=p.heartbeat_s, duration=hold_s + 5, barrier=True,
                            concurrency=300, source=source(i, p)))
    online, last_log = 0, time.monotonic()
    try:
        while not all(g.ready for g in gens):  # the connect's progress, every 10 s
            for g in gens:
                if g.eof and not g.ready:
                    g.wait('ready', 0)  # raises: it exited
            if time.monotonic() - t_connect > 1800:
                raise RuntimeError(f'{label}: not all generators ready in 1800 s')
            available = measure.kernel_memory()['MemAvailable_kib']
            if available < MEMORY_FLOOR_KIB:
                raise RuntimeError(f'{label}: memory available fell to {available / 1048576:.2f} GiB while '
                                   f'connecting; stopped before the kernel runs out')
            if time.monotonic() - last_log >= 10:
                last_log = time.monotonic()
                online = sum((g.ready or g.progress or {}).get('online', 0) for g in gens)
                log(f'{label}: {online:,} of {p.agents:,} online after {last_log - t_connect:.0f} s')
            time.sleep(0.2)
    except Exception as e:
        if not partial_ok:
            raise
        # The largest count it held, and the machine's memory and sockets then: what stopped it.
        online = sum((g.ready or g.progress or {}).get('online', 0) for g in gens)
        log(f'{label}: stopped at {online:,} of {p.agents:,} online: {e!r}')
        partial = {'error': repr(e), 'online_at_start': online,
                   'connect_errors': sorted({(g.ready or g.report or {}).get('last_error') or '' for g in gens} - {''}),
                   'min_online': online, 'online_at_end': None,
                   'redis_commands_per_agent_minute': None, 'seconds': 0, 'failures': None,
                   'server_cpu_cores': None, 'rss_mib_total': sum(measure.rss_kib(s.pid) for s in servers_) / 1024,
                   'kernel_before': kernel0, 'kernel_connected': measure.kernel_memory(),
                   'logs': [g.name for g in gens if g.eof]}
        for g in gens:
            g.kill()
        return partial
    online = sum(g.ready['online'] for g in gens)
    connect_s = time.monotonic() - t_connect
    connect_failures = sum(g.ready.get('failures', 0) for g in gens)
    connect_errors = sorted({g.ready.get('last_error') or '' for g in gens} - {''})
    time.sleep(2)  # the last hellos' Redis work
    kernel1 = measure.kernel_memory()
    mem1 = redis.info('memory').get('used_memory')
    rss1 = sum(measure.rss_kib(s.pid) for s in servers_)
    gen_rss = sum(measure.rss_kib(g.pid) for g in gens)
    log(f'{label}: {online:,} of {p.agents:,} online in {connect_s:.0f} s; holding {hold_s} s')
    go_all(gens)
    k0, t0 = redis.commands(), time.monotonic()
    c0 = sum(measure.cpu_s(s.pid) for s in servers_)
    m0 = measure.machine_ticks()
    samples = []
    end = t0 + hold_s
    while time.monotonic() < end:
        time.sleep(min(p.sample_every_s, max(0.1, end - time.monotonic())))
        samples.append({'t_s': round(time.monotonic() - t0, 1),
                        'online': sum(g.progress['online'] for g in gens if g.progress),
                        'rss_mib': sum(measure.rss_kib(s.pid) for s in servers_) / 1024,
                        'kernel': measure.kernel_memory()})
    k1, t1 = redis.commands(), time.monotonic()
    c1 = sum(measure.cpu_s(s.pid) for s in servers_)
    m1 = measure.machine_ticks()
    reps = [g.finish(300) for g in gens]
    return {'online_at_start': online, 'min_online': min(s['online'] for s in samples),
            'online_at_end': sum(x['online'] for x in reps), 'seconds': t1 - t0, 'connect_s': connect_s,
            'redis_commands_per_agent_minute': (k1 - k0) / p.agents / ((t1 - t0) / 60),
            'server_cpu_cores': (c1 - c0) / (t1 - t0),
            'machine_cores': measure.machine_split(m0, m1, t1 - t0),
            'rss_mib_total': sum(measure.rss_kib(s.pid) for s in servers_) / 1024, 'samples': samples,
            'rss_before_kib': rss0, 'rss_connected_kib': rss1, 'generators_rss_kib': gen_rss,
            'kernel_before': kernel0, 'kernel_connected': kernel1,
            'redis_used_memory_before': mem0, 'redis_used_memory_connected': mem1,
            'connect_failures': connect_failures, 'connect_errors': connect_errors,
            'failures': sum(x['failures'] for x in reps)}
