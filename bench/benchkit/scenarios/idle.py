"""idle: agents connected and heartbeating every 30 s; the server's RSS per connection and its
CPU while they hold."""
import subprocess
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import loadgen, prepare_tokens
from ..processes import log

NAME = 'idle'


@dataclass(frozen=True)
class Params:
    agents: int
    hold_s: int
    heartbeat_s: int = 30


FULL = Params(agents=19000, hold_s=60)
QUICK = Params(agents=300, hold_s=3)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    with servers.Redis(ctx) as redis:
        with servers.hub(ctx, 'hub', redis, 'idle-prep') as hub:
            tokens, prep = prepare_tokens(ctx, hub.port, p.agents, 'idle')
        with servers.hub(ctx, 'hub', redis, 'idle') as hub:
            ours = hold(ctx, p, hub, 'hub', tokens)
    with servers.Redis(ctx, 'redis-peer') as peer_redis, servers.ws_peer(ctx, 'ws', peer_redis) as ws:
        peer = hold(ctx, p, ws, 'ws', tokens)
    return {'hub': ours, 'peer_ws': peer, 'prepare': prep}


def hold(ctx, p, server, label, tokens, count_heap=False, **flags):
    """Connects p.agents to server, holds them p.hold_s; RSS and CPU of the server. flags: more
    of the generator's (the TLS scenarios' --tls). count_heap: also the server's heap in use
    before and after connecting (measure.heap_in_use; a count that fails is recorded as such)."""
    time.sleep(1)
    rss_before = measure.rss_kib(server.pid)
    heap = {}
    if count_heap:
        heap['before'] = _heap(ctx, server)
    # The generator outlives the measured window: when it exits, its sockets close, and the
    # server's work on those closes is not idle work.
    g = loadgen(ctx, 'agents', f'idle-{label}', [server.port], tokens=tokens, count=p.agents,
                heartbeat=p.heartbeat_s, duration=p.hold_s + 3, barrier=True, concurrency=400, **flags)
    ready = g.wait('ready', 300)
    time.sleep(1)
    rss_connected = measure.rss_kib(server.pid)
    if count_heap:
        # Before the generator's go: its duration starts then, and the stop for the count is not
        # in the CPU window.
        heap['connected'] = _heap(ctx, server)
    c0, t0 = measure.cpu_s(server.pid), time.monotonic()
    g.go()
    log(f'{label}: {ready["online"]} online in {ready["connect_s"]:.1f} s; holding {p.hold_s} s')
    time.sleep(p.hold_s)
    c1, t1 = measure.cpu_s(server.pid), time.monotonic()
    rss_end = measure.rss_kib(server.pid)
    rep = g.finish(120)
    res = {'rss_before_kib': rss_before, 'rss_connected_kib': rss_connected, 'rss_end_kib': rss_end,
           'rss_per_conn_kib': (rss_connected - rss_before) / max(1, ready['online']),
           'cpu_percent_of_core': 100 * (c1 - c0) / (t1 - t0), 'online': ready['online'],
           'connect_s': ready['connect_s'], 'loadgen': rep}
    if count_heap:
        res['heap_in_use'] = heap
    return res


def _heap(ctx, server):
    """{'bytes': N} or {'error': why}."""
    try:
        return {'bytes': measure.heap_in_use(server.pid, ctx.path(server.name + '.log'))}
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log(f'{server.name}: heap not counted: {e}')
        return {'error': str(e)}
