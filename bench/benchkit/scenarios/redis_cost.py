"""redis-cost: agents heartbeating every 100 ms; the Redis commands per second (and per
heartbeat sent) each server makes, beside a peer doing SET EX per heartbeat."""
import os
import subprocess
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import go_all, loadgen, prepare_tokens, source

NAME = 'redis-cost'


@dataclass(frozen=True)
class Params:
    agents: int
    window_s: int
    ttl_s: int
    generators: int
    heartbeat_s: float = 0.1
    # The servers' own frame counts are context only, read inside the window: a saturated server
    # that does not answer within this is recorded as not read.
    stats_timeout_s: int = 10
    benchmark_requests: int = 300000


FULL = Params(agents=10000, window_s=60, ttl_s=120, generators=2)
QUICK = Params(agents=200, window_s=5, ttl_s=4, generators=1, benchmark_requests=20000)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    with servers.Redis(ctx) as redis:
        with servers.hub(ctx, 'hub', redis, 'rcost', ttl=p.ttl_s) as hub:
            tokens, _ = prepare_tokens(ctx, hub.port, p.agents, 'rcost')
        with servers.hub(ctx, 'hub', redis, 'rcost', ttl=p.ttl_s) as hub:
            time.sleep(1)
            ours = window(ctx, p, tokens, hub, 'hub', redis,
                          lambda timeout: measure.hub_counter(hub.port, 'mi_ws_messages_in_total', timeout))
    with servers.Redis(ctx, 'redis-peer') as peer_redis:
        # The hub runs a thread per core: the peer gets a worker per core, or its commands per
        # second would stop at what one Node thread takes.
        with servers.ws_peer(ctx, 'ws', peer_redis, ttl=p.ttl_s, workers=os.cpu_count()) as ws:
            peer = window(ctx, p, tokens, ws, 'ws', peer_redis,
                          lambda timeout: measure.peer_counter(ws.port, 'frames', timeout))
        ceiling = redis_ceiling(peer_redis, p.benchmark_requests)
    return {'hub': ours, 'peer_ws_set': peer, 'redis_benchmark': ceiling,
            'bound_per_s': p.agents / (p.ttl_s / 4) + 1}


def window(ctx, p, tokens, server, label, redis, frames_raw):
    def frames_of():
        reading = measure.read_patiently(frames_raw, p.stats_timeout_s, attempt_s=p.stats_timeout_s)
        return reading, time.monotonic()

    def snapshot():
        # Read together, so that every rate below is over the same window; the server's own
        # count is read apart, since a saturated server may take seconds to answer.
        return {'stats': redis.commandstats(), 'cpu': measure.tree_cpu_s(server.pid), 't': time.monotonic(),
                'sent': [dict(g.progress) for g in gens]}

    per = p.agents // p.generators
    gens = [loadgen(ctx, 'agents', f'rcost-{label}-{i}', [server.port], tokens=tokens, offset=i * per, count=per,
                    heartbeat=p.heartbeat_s, duration=p.window_s + p.ttl_s / 4 + 10, barrier=True, concurrency=400,
                    source=source(i)) for i in range(p.generators)]
    for g in gens:
        g.wait('ready', 300)
    go_all(gens)
    time.sleep(min(p.ttl_s / 4 + 2, 10))  # past the first refresh of every agent
    a = snapshot()
    f0, tf0 = frames_of()
    time.sleep(max(0.0, p.window_s - (time.monotonic() - a['t'])))
    b = snapshot()
    f1, tf1 = frames_of()
    for g in gens:
        g.kill()
    seconds = b['t'] - a['t']
    by_command = {k: v - a['stats'].get(k, 0) for k, v in b['stats'].items() if v != a['stats'].get(k, 0)}
    # Minus the INFO calls that read these counts.
    commands = measure.commands_total(by_command)
    # Heartbeats the generators wrote (each waits for its last write to finish before the next,
    # so a server that reads slowly gets fewer): a count that needs no answer from a saturated
    # server.
    sent_per_s = sum((y['frames_sent'] - x['frames_sent']) / ((y['t_ns'] - x['t_ns']) / 1e9)
                     for x, y in zip(a['sent'], b['sent']))
    read = f0.ok and f1.ok
    return {'redis_commands_per_s': commands / seconds,
            'frames_per_s': (f1.value - f0.value) / (tf1 - tf0) if read else None,
            'server_cpu_cores': (b['cpu'] - a['cpu']) / seconds, 'seconds': seconds,
            'heartbeats_sent_per_s': sent_per_s, 'commands_per_heartbeat': commands / seconds / sent_per_s,
            'by_command': by_command,
            'saturated': not read, 'stats_error': f1.error or f0.error}


def redis_ceiling(redis, requests):
    """What one Redis takes of SET EX on this machine (redis-benchmark), with and without
    pipelining, and its standard tests."""
    def bench(*args):
        return subprocess.run(['redis-benchmark', '-p', str(redis.port), '-q', '-n', str(requests), '-c', '50',
                               *args], capture_output=True, text=True).stdout
    out = {}
    for key, extra in (('set_ex_p1', []), ('set_ex_p16', ['-P', '16'])):
        out[key] = measure.last_requests_per_second(
            bench('-r', '100000', *extra, 'SET', 'presence:__rand_int__', '1700000000000', 'EX', '120'))
    out['standard_p16'] = measure.parse_redis_benchmark(bench('-P', '16', '-t', 'set,get,incr,lpush,sadd,hset,xadd'))
    return out
