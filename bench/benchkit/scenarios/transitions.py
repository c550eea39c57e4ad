"""transitions: agents from a pool say hello, stay, close, at a rate, on two hubs with watchers;
the delay from hello to the online event's arrival at the watchers.

Each measured run has dashboards (watchers that only count frames, in a process of their own)
and the transitions generator (the agents and one probe watcher per hub, which times each
event). The hubs are measured beside the ws peer and beside the floor server (a server doing
only this I/O, mi-loadgen floor-server), plain, through Redis, and with its connections alone.
"""
import contextlib
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import loadgen, prepare_tokens, send_floor

NAME = 'transitions'


@dataclass(frozen=True)
class Params:
    rates: tuple
    watchers_per_hub: int
    seconds: int
    pool: int
    hold_ms: int = 50
    hubs: int = 2
    # The dashboards stand in for machines of their own and read in rounds, which spends less of
    # the cores the servers share with them ("Clients on the servers' machine").
    dashboard_round_ms: int = 5
    probes_per_hub: int = 1
    # The delay's tail varies from run to run by more than most changes to the hub, and now and
    # then one run is several times the others: its figure is the run with the median p99 of
    # several, which two such runs cannot move.
    hub_runs: int = 5
    # The floor is a bound: the best of its runs, each way of writing (flush_us) this many times.
    floor_runs: int = 2
    floor_flush_us: tuple = (0, 500)
    floor_redis_runs: int = 3
    send_floor_events: int = 200
    send_floor_rate: int = 50
    # For a run's reports after its transitions stop: behind a saturated server the dashboards
    # end only once its late events have come.
    report_deadline_s: int = 600


FULL = Params(rates=(1000, 10000), watchers_per_hub=100, seconds=10, pool=4000)
QUICK = Params(rates=(100,), watchers_per_hub=10, seconds=2, pool=200, hub_runs=1, floor_runs=1,
               floor_redis_runs=1, send_floor_events=20, report_deadline_s=120)


def params(quick, settings):
    return QUICK if quick else FULL


# ---- one measured run ----------------------------------------------------------------------

@dataclass
class Servers:
    """What a run loads: the ports the clients connect to, the server processes, and the Redis
    the servers use (None: none)."""
    ports: list
    pids: list
    redis: object = None


def measure_run(ctx, p, tokens, target, label, rate, dashboards=None):
    """One run at `rate`: the transitions generator's report with the dashboards' counts, the
    busy cores of every process and the whole machine's CPU per cycle."""
    dashboards = p.watchers_per_hub - p.probes_per_hub if dashboards is None else dashboards
    bulk = start_dashboards(ctx, p, target, label, rate, dashboards)
    agents = start_agents(ctx, p, tokens, target, label, rate)
    bulk_ready = bulk.wait('ready', 120)
    agents.wait('ready', 120)
    cpu = measure.CpuMeter({'servers': target.pids, 'redis': [target.redis.pid] if target.redis else [],
                            'dashboards': [bulk.pid], 'agents': [agents.pid]}).start()
    ticks0 = measure.machine_ticks()
    bulk.go()
    agents.go()
    # Every process on the machine's cores, read when the transitions stop (the generator reports
    # then): when they add up to the cores there are, the delay is waiting for one.
    agents.wait('report', p.seconds + p.report_deadline_s)
    cpu.stop()
    ticks1 = measure.machine_ticks()
    rep = agents.finish(60)
    bulk_rep = bulk.finish(p.report_deadline_s)
    if rep['cycles'] == 0:
        raise RuntimeError(f"no transitions cycle ended; the agents' last error: {rep['last_error']}")
    check_dashboards(rep, bulk_rep)
    add_machine_cpu(rep, ticks0, ticks1, cpu.window)
    add_busy_cores(rep, cpu)
    add_dashboards(rep, bulk_rep, bulk_ready)
    return rep


def start_dashboards(ctx, p, target, label, rate, count):
    # The many dashboards only receive: they run in a process of their own, so that reading
    # their events does not delay the probe watchers that time each transition.
    return loadgen(ctx, 'watch', f'tr-{label}-{rate}-watchers', target.ports, watchers=count,
                   duration=p.seconds + 3, barrier=True, concurrency=20, source='127.0.0.3',
                   read_every_ms=p.dashboard_round_ms)


def start_agents(ctx, p, tokens, target, label, rate):
    return loadgen(ctx, 'transitions', f'tr-{label}-{rate}', target.ports, tokens=tokens, count=p.pool,
                   watchers=p.probes_per_hub, rate=rate, hold_ms=p.hold_ms, duration=p.seconds, barrier=True,
                   concurrency=20)


def check_dashboards(rep, bulk_rep):
    """Each dashboard gets every online and offline event a probe gets: a count far below that
    means the dashboards' frame counter is broken, not that the server is slow."""
    expected = 2 * rep['online_deliveries'] / max(1, rep['watchers']) * bulk_rep['watchers']
    if bulk_rep['events'] < 0.5 * expected:
        raise RuntimeError(f"dashboards counted {bulk_rep['events']} events, expected about {expected:.0f}")


def add_machine_cpu(rep, ticks0, ticks1, window):
    """The whole machine's CPU per cycle: its kernel part is work any server and clients with
    this I/O have to do, whatever their code."""
    rep['machine_cores'] = measure.machine_split(ticks0, ticks1, window)
    rep['machine_us_per_cycle'] = {k: v * window / rep['cycles'] * 1e6 for k, v in rep['machine_cores'].items()}


def add_busy_cores(rep, cpu):
    busy = cpu.busy_cores()
    rep['busy_cores'] = {'servers': busy['servers'], 'redis': busy['redis'],
                         'generators': busy['dashboards'] + busy['agents'],
                         'dashboards': busy['dashboards'], 'agents': busy['agents']}
    rep['server_cpu_cores'] = busy['servers']
    # Redis runs commands on one thread: its CPU per cycle bounds the cycles one Redis can take.
    redis_cpu = cpu.seconds['redis']
    rep['redis_cpu_s'] = redis_cpu
    rep['cycles_per_redis_cpu_s'] = rep['cycles'] / redis_cpu if redis_cpu > 0 else None


def add_dashboards(rep, bulk_rep, bulk_ready):
    """The dashboards' counts into the run's: watchers are the probes and the dashboards."""
    rep['probe_watchers'] = rep['watchers']
    rep['watchers'] += bulk_rep['watchers']
    rep['watchers_closed'] += bulk_rep['watchers_closed']
    rep['watcher_failures'] += bulk_rep['watcher_failures']
    rep['bulk_watcher_events'] = bulk_rep['events']
    rep['mean_event_bytes'] = bulk_rep['event_bytes'] / bulk_rep['events'] if bulk_rep['events'] else None
    rep['bulk_watchers_ready'] = bulk_ready.get('watchers_ready')


# ---- choosing among runs -------------------------------------------------------------------

def p99_or_inf(run):
    return run['online_delay']['p99_ms'] if run['online_delay']['count'] else float('inf')


def median_p99(runs):
    """The run with the median p99 online delay (the upper median of an even count)."""
    return sorted(runs, key=p99_or_inf)[len(runs) // 2]


def best_p99(runs):
    """The run with the lowest p99 online delay: as a bound, the floor's best."""
    return min(runs, key=p99_or_inf)


# ---- the servers measured ------------------------------------------------------------------

def hub_runs(ctx, p, tokens, target):
    runs, chosen = {}, {}
    for rate in p.rates:
        runs[str(rate)] = []
        for attempt in range(p.hub_runs):
            runs[str(rate)].append(measure_run(ctx, p, tokens, target, f'hub-{attempt}', rate))
            time.sleep(1)
        chosen[str(rate)] = median_p99(runs[str(rate)])
    return chosen, runs


def peer_runs(ctx, p, tokens, target):
    out = {}
    for rate in p.rates:
        out[str(rate)] = measure_run(ctx, p, tokens, target, 'ws', rate)
        time.sleep(1)
    return out


def floor_run(ctx, p, tokens, port_name, label, rate, event_bytes, redis=None, dashboards=None, **flags):
    """One run of the floor server (mi-loadgen floor-server, a process per hub address) with
    events of the hub's size."""
    ports = ctx.ports.many(port_name, p.hubs)
    if redis:
        flags['redis'] = f'127.0.0.1:{redis.port}'
    server = loadgen(ctx, 'floor-server', f'floor-server-{label}-{rate}', ports, event_bytes=round(event_bytes),
                     source=None, **flags)
    pids = server.wait('ready', 60)['pids']
    run = measure_run(ctx, p, tokens, Servers(ports, pids, redis), f'floor-{label}', rate, dashboards)
    server.close_stdin()
    run['server'] = server.finish(60)
    time.sleep(1)
    return run


def floor_both_ways(ctx, p, tokens, rate, event_bytes):
    """The floor as a bound: the best of several runs, each way of writing: sending as soon as a
    round of readiness ends, and at most every 500 us (fewer, larger writes)."""
    runs = []
    for attempt in range(p.floor_runs):
        for flush_us in p.floor_flush_us:
            run = floor_run(ctx, p, tokens, 'floor', f'{flush_us}-{attempt}', rate, event_bytes, flush_us=flush_us)
            run['flush_us'] = flush_us
            runs.append(run)
    return runs


def floor_connections(ctx, p, tokens, rate, event_bytes):
    """The floor's connections nearly alone: one dashboard and one probe per hub. What the machine
    spends per cycle then is connecting, upgrading, hello and welcome, and closing, measured at
    the asked rate if the floor reaches it; the full runs' cost above it is the deliveries'."""
    return floor_run(ctx, p, tokens, 'floor', 'connections', rate, event_bytes, dashboards=1, flush_us=0)


def floor_through_redis(ctx, p, tokens, rate, event_bytes, redis):
    """The floor with its events routed as the hubs route theirs: PUBLISHed to Redis (the agent
    welcomed on the answer) and delivered by every process from its subscription. Above the floor
    by Redis' hops alone; what the hubs add above this is their own work."""
    return [floor_run(ctx, p, tokens, 'floor-via-redis', f'redis-{attempt}', rate, event_bytes, redis=redis)
            for attempt in range(p.floor_redis_runs)]


def hub_event_bytes(hub_run):
    return hub_run['mean_event_bytes'] or 300


# ---- the scenario --------------------------------------------------------------------------

def run(ctx, p):
    out = {}
    with servers.Redis(ctx) as redis, contextlib.ExitStack() as stack:
        # Two hub processes on this machine: a shard each is one event loop per core in all, as
        # the two peer processes and the two floor server processes have one thread each.
        hubs = [stack.enter_context(servers.hub(ctx, f'hub-{i}', redis, f'tr-{"ab"[i]}', extra=('--shards', '1')))
                for i in range(p.hubs)]
        tokens, _ = prepare_tokens(ctx, hubs[0].port, p.pool, 'transitions')
        time.sleep(1)
        out['hub'], out['hub_runs'] = hub_runs(ctx, p, tokens, Servers([h.port for h in hubs], [h.pid for h in hubs],
                                                                       redis))
    with servers.Redis(ctx, 'redis-peer') as peer_redis, contextlib.ExitStack() as stack:
        peers = [stack.enter_context(servers.ws_peer(ctx, f'ws-{i}', peer_redis, pubsub=True)) for i in range(p.hubs)]
        out['peer_ws_pubsub'] = peer_runs(ctx, p, tokens, Servers([w.port for w in peers], [w.pid for w in peers],
                                                                  peer_redis))
    out['floor_server'], out['floor_server_runs'] = {}, {}
    out['floor_connections'] = {}
    out['floor_server_redis'], out['floor_server_redis_runs'] = {}, {}
    for rate in p.rates:
        key, event_bytes = str(rate), hub_event_bytes(out['hub'][str(rate)])
        out['floor_server_runs'][key] = floor_both_ways(ctx, p, tokens, rate, event_bytes)
        out['floor_server'][key] = best_p99(out['floor_server_runs'][key])
    for rate in p.rates:
        out['floor_connections'][str(rate)] = floor_connections(ctx, p, tokens, rate,
                                                                hub_event_bytes(out['hub'][str(rate)]))
    with servers.Redis(ctx, 'redis-floor') as floor_redis:
        for rate in p.rates:
            key = str(rate)
            out['floor_server_redis_runs'][key] = floor_through_redis(ctx, p, tokens, rate,
                                                                      hub_event_bytes(out['hub'][key]), floor_redis)
            out['floor_server_redis'][key] = best_p99(out['floor_server_redis_runs'][key])
    out['send_floor'] = send_floor(ctx, p.hubs * p.watchers_per_hub, p.send_floor_events, p.send_floor_rate)
    return out
