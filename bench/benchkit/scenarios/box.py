"""box: 100,000 agents over several hubs and one Redis, held; who stays online, and Redis
commands per agent per minute."""
import contextlib
import dataclasses
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import go_all, loadgen, prepare_tokens, source
from ..processes import log

NAME = 'box'


@dataclass(frozen=True)
class Params:
    agents: int
    hubs: int
    generators: int
    hold_s: int
    peer_hold_s: int
    heartbeat_s: int = 30
    sample_every_s: int = 10


FULL = Params(agents=100000, hubs=6, generators=6, hold_s=600, peer_hold_s=120)
QUICK = Params(agents=400, hubs=2, generators=2, hold_s=5, peer_hold_s=5)


def params(quick, settings):
    if quick:
        return QUICK
    # MI_BENCH_BOX_SECONDS: the hub's hold; the peer holds at most the full peer hold.
    return dataclasses.replace(FULL, hold_s=settings.box_seconds,
                               peer_hold_s=min(settings.box_seconds, FULL.peer_hold_s))


def run(ctx, p):
    with servers.Redis(ctx) as redis, contextlib.ExitStack() as stack:
        hubs = [stack.enter_context(servers.hub(ctx, f'hub-{i}', redis, f'box-{i}')) for i in range(p.hubs)]
        tokens, prep = prepare_tokens(ctx, hubs[0].port, p.agents, 'box', concurrency=500)
        time.sleep(2)
        ours = hold(ctx, p, tokens, hubs, 'hub', p.hold_s, redis)
    with servers.Redis(ctx, 'redis-peer') as peer_redis, contextlib.ExitStack() as stack:
        peers = [stack.enter_context(servers.ws_peer(ctx, f'ws-{i}', peer_redis)) for i in range(p.hubs)]
        peer = hold(ctx, p, tokens, peers, 'ws', p.peer_hold_s, peer_redis)
    return {'hub': ours, 'peer_ws': peer, 'prepare': prep}


def agents_of(p, i):
    """(offset, count) of the i-th generator; the last takes the remainder, so that exactly
    p.agents connect."""
    per = p.agents // p.generators
    return i * per, per if i < p.generators - 1 else p.agents - per * (p.generators - 1)


def hold(ctx, p, tokens, servers_, label, hold_s, redis):
    gens = []
    for i in range(p.generators):
        offset, count = agents_of(p, i)
        gens.append(loadgen(ctx, 'agents', f'box-{label}-{i}', [s.port for s in servers_], tokens=tokens,
                            offset=offset, count=count, heartbeat=p.heartbeat_s, duration=hold_s + 5, barrier=True,
                            concurrency=300, source=source(i)))
    online = sum(g.wait('ready', 900)['online'] for g in gens)
    log(f'{label}: {online} of {p.agents} online; holding {hold_s} s')
    go_all(gens)
    k0, t0 = redis.commands(), time.monotonic()
    c0 = sum(measure.cpu_s(s.pid) for s in servers_)
    samples = []
    end = t0 + hold_s
    while time.monotonic() < end:
        time.sleep(min(p.sample_every_s, max(0.1, end - time.monotonic())))
        samples.append({'t_s': round(time.monotonic() - t0, 1),
                        'online': sum(g.progress['online'] for g in gens if g.progress),
                        'rss_mib': sum(measure.rss_kib(s.pid) for s in servers_) / 1024})
    k1, t1 = redis.commands(), time.monotonic()
    c1 = sum(measure.cpu_s(s.pid) for s in servers_)
    reps = [g.finish(300) for g in gens]
    return {'online_at_start': online, 'min_online': min(s['online'] for s in samples),
            'online_at_end': sum(x['online'] for x in reps), 'seconds': t1 - t0,
            'redis_commands_per_agent_minute': (k1 - k0) / p.agents / ((t1 - t0) / 60),
            'server_cpu_cores': (c1 - c0) / (t1 - t0),
            'rss_mib_total': sum(measure.rss_kib(s.pid) for s in servers_) / 1024, 'samples': samples,
            'failures': sum(x['failures'] for x in reps)}
