"""tests/chaos/run: the command line, the phases of a run, and its report."""
import argparse
import asyncio
import dataclasses
import glob
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time

from benchkit.processes import RunContext
from benchkit.settings import Settings

from . import checker, http
from .actors import Agent, Watcher, World
from .faults import Injector, schedule
from .topology import Topology

COLONIES = ('chaos-a', 'chaos-b')
TTL_S = 3
BEHAVIOUR = {
    'close': 0.02,  # per second: a clean close, back after a while
    'drop': 0.02,  # per second: the socket ends with no close frame
    'clone': 0.01,  # per second, a remote agent at most max_clones times
    'max_clones': 2,
    'race': 0.3,  # an onboard sent on two hubs at once with one code
    'clone_idle': 0.3,  # a clone's worker never connects
    'silent': 0.01,  # per second: no frame for 0.4 to 2 TTLs, socket held
    'final_online': 0.6,  # at the end: connected and heartbeating,
    'final_silent': 0.1,  # or connected and silent (offline after the TTL), else closed
}


def hub_flags(ttl_s):
    """Intervals small enough for the system to settle in seconds."""
    return ['--presence-ttl', str(ttl_s), '--offline-grace', '1', '--hub-liveness', '3', '--sweep-period', '1', '--ghost-sweep-period', '5',
            '--refresh-period', '0.5', '--redis-timeout', '1', '--redis-connect-timeout', '1',
            '--redis-reconnect-max', '0.5', '--drain-timeout', '3', '--shards', '1',
            '--onboard-fail-limit', '1000000', '--onboard-fail-limit-global', '1000000', '--onboard-fail-delay', '0.05',
            '--max-connections-per-address', '0', '--log-level', 'info']


def log(*parts):
    print('[chaos]', *parts, flush=True)


def parse(argv, usage):
    p = argparse.ArgumentParser(prog='tests/chaos/run', description=usage,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true', help='the CI size: 60 s of faults, 16 agents')
    p.add_argument('--duration', type=float, help='seconds of faults (default 1800, --quick 60)')
    p.add_argument('--seed', type=int, help='the seed of the faults and the clients (default: random, printed)')
    p.add_argument('--mode', choices=('auto', 'plain', 'sentinel'), default='auto',
                   help='sentinel: a primary, a replica, three sentinels, failovers; plain: one Redis, no failover; '
                        'auto: sentinel when mi-hub takes sentinel:// URLs')
    p.add_argument('--agents', type=int, help='remote agents at the start (default 40, --quick 16)')
    p.add_argument('--settle', type=float, help='seconds the final state may take (default 45)')
    p.add_argument('--out', help='the results JSON (default bench/results/chaos.json, --quick: bench/results/quick/)')
    return p.parse_args(argv)


def hub_supports_sentinel(hub):
    out = subprocess.run([hub, '--help'], capture_output=True, text=True).stdout
    return 'sentinel://' in out


def main(argv, usage=''):
    args = parse(argv, usage)
    settings = Settings.from_env()
    settings = dataclasses.replace(settings, port_base=int(os.environ.get('MI_CHAOS_PORT_BASE', '18100')))
    if not os.access(settings.hub, os.X_OK):
        print(f'{settings.hub} missing: build it (MI_BUILD_DIR={settings.build})', file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10 ** 9)
    mode = args.mode
    if mode == 'auto':
        mode = 'sentinel' if hub_supports_sentinel(settings.hub) else 'plain'
    duration = args.duration if args.duration is not None else (60 if args.quick else 1800)
    params = {'seed': seed, 'mode': mode, 'duration_s': duration, 'quick': args.quick,
              'agents': args.agents or (16 if args.quick else 40), 'settle_s': args.settle or 45,
              'colonies': list(COLONIES), 'hubs': 3, 'presence_ttl_s': TTL_S, 'behaviour': BEHAVIOUR,
              'hub_flags': hub_flags(TTL_S)}
    out = args.out or os.path.join(settings.results_dir(args.quick), 'chaos.json')
    again = f"tests/chaos/run{' --quick' if args.quick else ''} --seed {seed} --mode {mode}" + \
        (f' --duration {duration:g}' if args.duration is not None else '') + \
        (f' --agents {args.agents}' if args.agents else '')
    log(f'seed {seed}, mode {mode}, {duration:g} s of faults; again: {again}')
    try:
        with RunContext(settings, quick=args.quick, work_prefix='mi-chaos-') as run:
            doc = asyncio.run(chaos(run, params))
            doc['command'] = again
            failed = [c['name'] for c in doc['invariants'] if not c['passed']]
            if failed or doc.get('harness_errors'):
                run.keep = True
                doc['logs'] = run.work
    except KeyboardInterrupt:
        log('interrupted; every process started was stopped')
        return 130
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    # The observations (every event of every watcher, every agent's timeline) run to megabytes
    # over 30 minutes: they go beside the results, compressed, and the results name the file.
    obs_path = (out[:-5] if out.endswith('.json') else out) + '.observations.json.gz'
    with gzip.open(obs_path, 'wt') as f:
        json.dump(doc.pop('observations'), f)
    doc['observations_file'] = os.path.basename(obs_path)
    with open(out, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    print_report(doc)
    log('wrote', os.path.relpath(out, settings.root) if out.startswith(settings.root) else out)
    if failed:
        log(f'FAILED: {"; ".join(failed)}. Reproduce: {again} (logs kept in {doc["logs"]})')
        return 1
    if doc.get('harness_errors'):
        log(f'the harness broke: {doc["harness_errors"]} (logs kept in {doc["logs"]})')
        return 2
    return 0


def print_report(doc):
    log(f"faults injected ({len(doc['faults'])}):")
    for f in doc['faults']:
        log(f"  {f['started']:8.1f} s  {f['kind']:<10} {f.get('what', '')} {f.get('error', '')}".rstrip())
    log('counts: ' + ', '.join(f'{k} {v}' for k, v in sorted(doc['counts'].items())))
    if doc['client_errors']:
        log('client errors (retried): ' + ', '.join(f'{k} {v}' for k, v in sorted(doc['client_errors'].items())))
    log(f"seed {doc['seed']}, mode {doc['mode']}, {doc['duration_s']:g} s of faults, {doc['elapsed_s']:.0f} s in all")
    for c in doc['invariants']:
        extra = f", settled after {c['matched_after_s']:.1f} s" if c.get('matched_after_s') is not None else ''
        if c.get('unreplicated'):
            extra += f", {c['unreplicated']} more answered before a replica held them: not promised"
        log(f"{'PASS' if c['passed'] else 'FAIL'}  {c['name']} ({c['checked']} checked{extra})")
        for v in c['violations'][:20]:
            log(f'      {v}')
        if c['violation_count'] > 20:
            log(f"      ... {c['violation_count'] - 20} more in the JSON")


async def chaos(run, params):
    seed = params['seed']
    t_start = time.monotonic()
    top = await asyncio.to_thread(Topology, run, params['mode'], params['hub_flags'])
    log(f"redis {[n.port for n in top.redis]}, sentinels {[s.port for s in top.sentinels]}, "
        f"hubs {[h.port for h in top.hubs]} ({top.redis_url}); logs in {run.work}")
    world = World([h.port for h in top.hubs], params['presence_ttl_s'], seed)
    world.top = top
    await wait_ready(world.hub_ports)
    for colony in params['colonies']:
        for i in range(len(top.hubs)):
            w = Watcher(world, colony, i, world.spawn_rng())
            world.watchers.append(w)
            w.task = asyncio.create_task(w.run())
    await asyncio.sleep(1)
    for i in range(params['agents']):
        colony = params['colonies'][i % len(params['colonies'])]
        world.start_agent(Agent(world, colony, f'ag{i}', world.spawn_rng(), params['behaviour']))

    faults = schedule(seed, params['duration_s'], params['mode'], hubs=len(top.hubs))
    log(f"chaos: {len(faults)} faults over {params['duration_s']:g} s")
    injector = Injector(top, world, log)
    loop = asyncio.get_running_loop()
    chaos_start = loop.time()
    await injector.run(faults, chaos_start, params['duration_s'])
    if injector.skipped:
        log(f'{len(injector.skipped)} faults skipped: the ones before them and the recoveries took the time')
    await asyncio.sleep(max(0.0, chaos_start + params['duration_s'] - loop.time()))

    # -- settle --------------------------------------------------------------------------
    log('settling: every process up, agents take their final state')
    harness_errors = []
    await asyncio.to_thread(restore, top)
    world.settling.set()
    settle_start = time.monotonic()
    world.settle_t = settle_start - world.t0
    try:
        await asyncio.wait_for(all_settled(world), params['settle_s'])
    except asyncio.TimeoutError:
        harness_errors.append('agents did not reach their final state within the settle time')
    status = await poll_status(world, params['colonies'], settle_start + params['settle_s'])
    status['settle_s'] = params['settle_s']
    recheck = await recheck_codes(world)
    await asyncio.sleep(1)  # trailing events
    for w in world.watchers:
        w.task.cancel()
        w.drop()
    obs = observations(world, status, recheck)
    obs['unreplicated'] = unreplicated_answers(run.work)
    world.done.set()
    await asyncio.gather(*(a.task for a in world.agents), return_exceptions=True)
    for w in world.watchers:
        try:
            await w.task
        except (asyncio.CancelledError, Exception):
            pass

    invariants = checker.check(obs)
    crashed = [k for k in world.errors if k.startswith('agent crashed')]
    harness_errors += crashed
    return {'seed': seed, 'mode': params['mode'], 'quick': params['quick'], 'duration_s': params['duration_s'],
            'elapsed_s': round(time.monotonic() - t_start, 1), 'date': time.strftime('%Y-%m-%d %H:%M:%S %Z'),
            'params': params, 'topology': {'redis': [n.port for n in top.redis],
                                           'sentinels': [s.port for s in top.sentinels],
                                           'hubs': {h.hub_id: {'port': h.port, 'starts': h.starts} for h in top.hubs},
                                           'redis_url': top.redis_url,
                                           'roles_at_end': await asyncio.to_thread(
                                               lambda: {n.name: n.role() for n in top.redis})},
            'faults': injector.done, 'faults_skipped': injector.skipped, 'invariants': invariants, 'passed': all(c['passed'] for c in invariants),
            'counts': dict(world.counts) | {'agents': len(obs['agents']), 'welcomes': len(obs['welcomes']),
                                            'events recorded': sum(len(c['events']) for w in obs['watchers']
                                                                   for c in w['connections'])},
            'client_errors': dict(world.errors), 'harness_errors': harness_errors, 'observations': obs}


async def wait_ready(ports, timeout=30):
    end = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                status, _ = await http.request(port, 'GET', '/readyz')
                if status == 200:
                    break
            except http.HttpError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f'hub on {port} not ready within {timeout} s')
            await asyncio.sleep(0.1)


def restore(top):
    """The end of the faults: every Redis node running (SIGCONT, started again), every hub up."""
    import signal
    for node in top.redis:
        if node.up:
            node.signal(signal.SIGCONT)
        else:
            top.restart_redis(node)
    for hub in top.hubs:
        if not hub.up:
            hub.start()


async def all_settled(world):
    while True:
        pending = [a for a in world.agents if not a.settled.is_set()]
        if not pending:
            return
        await asyncio.wait([asyncio.ensure_future(a.settled.wait()) for a in pending])


async def agents_lists(world, colonies):
    """{colony: {hub: {id: {status, invite}}}} from every hub, or None if one did not answer."""
    out = {}
    for colony in colonies:
        out[colony] = {}
        for port in world.hub_ports:
            try:
                status, body = await http.request(port, 'GET', f'/v1/colonies/{colony}/agents?limit=1000')
            except http.HttpError:
                return None
            if status != 200:
                return None
            out[colony][str(port)] = {a['id']: {'status': a['status'], 'invite': a.get('invite')}
                                      for a in body['agents']}
    return out


async def hub_states(world):
    """Each hub's /readyz and its Redis and session metrics: what a failed final status is read with."""
    out = {}
    for port in world.hub_ports:
        state = {}
        try:
            state['readyz'] = (await http.request(port, 'GET', '/readyz'))[0]
            raw = await http.raw(port, '/metrics')
            state['metrics'] = [line for line in raw.splitlines()
                                if line.startswith(('mi_redis', 'mi_sessions', 'mi_events'))]
        except http.HttpError as e:
            state['error'] = str(e)
        out[str(port)] = state
    return out


def redis_state(world, lists):
    """What Redis holds of each agent the lists get wrong: its hash, its connections, its alive
    key, and what every hub instance lists."""
    from .topology import ENV, redis_cli
    port = world.top.primary().port
    want = {(a['colony'], a['id']): a['final'] for a in truth(world)}
    wrong = sorted({(c, aid) for c, hubs in lists.items() for listed in hubs.values() for aid, a in listed.items()
                    if a['status'] != want.get((c, aid), 'offline')})
    out = {}
    for colony, aid in wrong:
        p = f'mi:{ENV}:{{c:{colony}}}:'
        conns = redis_cli(port, 'hgetall', p + 'connections').splitlines()
        out[f'{colony}/{aid}'] = {
            'agent': redis_cli(port, 'hgetall', p + 'agent:' + aid).splitlines(),
            'conns': redis_cli(port, 'hgetall', p + 'conns:' + aid).splitlines(),
            'connections': [conns[i] for i in range(0, len(conns) - 1, 2) if conns[i + 1] == aid],
            'alive_pttl': redis_cli(port, 'pttl', p + 'alive:' + aid)}
    hubs = {}
    for key in redis_cli(port, 'keys', f'mi:{ENV}:{{hubs}}:*').splitlines():
        kind = redis_cli(port, 'type', key)
        hubs[key] = (redis_cli(port, 'smembers', key).splitlines() if kind == 'set' else
                     redis_cli(port, 'hgetall', key).splitlines() if kind == 'hash' else
                     redis_cli(port, 'zrange', key, '0', '-1', 'withscores').splitlines() if kind == 'zset' else kind)
    out['hubs'] = hubs
    return out


def truth(world):
    return [{'colony': a.colony, 'id': a.id, 'final': a.final, 'downs': a.downs, 'ups': a.ups, 'hosted': a.hosted,
             'timeline': a.timeline} for a in world.agents if a.id is not None]


async def poll_status(world, colonies, deadline):
    """Polls the hubs' lists and the watchers' views until they equal the truth, or the deadline."""
    mismatches, lists = ['no agents list answered'], None
    while True:
        lists = await agents_lists(world, colonies)
        views = {(w.colony, str(w.port)): dict(w.view) for w in world.watchers}
        if lists is not None:
            not_live = [f'watcher {w.colony}@{w.port} not connected' for w in world.watchers if not w.live]
            mismatches = not_live + checker.status_mismatches(truth(world), lists, views)
            if not mismatches:
                after = round(time.monotonic() - world.t0 - world.settle_t, 2)
                log(f'final status equals the truth {after:.1f} s into the settle')
                world.final_lists = lists
                return {'matched_at': after, 'mismatches': []}
        if time.monotonic() > deadline:
            world.final_lists = lists or {}
            return {'matched_at': None, 'mismatches': mismatches, 'hubs': await hub_states(world),
                    'redis': await asyncio.to_thread(redis_state, world, lists or {})}
        await asyncio.sleep(0.5)


async def recheck_codes(world):
    """Every code that got a welcome, offered again: it must get invalid_code."""
    sem = asyncio.Semaphore(8)
    async def one(w):
        async with sem:
            probe = Agent(world, w['colony'], 'recheck', random.Random(w['code']), BEHAVIOUR)
            for _ in range(20):
                r = await probe.try_onboard(w['code'], probe.port())
                if r[0] == 'welcome':
                    world.welcomes.append({'code': w['code'], 'agent': r[2]['agent']['id'], 'colony': w['colony'],
                                           'hub': r[1].port, 't': world.now(), 'recheck': True})
                    await r[1].close()
                    return {'colony': w['colony'], 'code': w['code'], 'reply': 'welcome'}
                if r[0] == 'error' and r[1] not in ('unavailable', 'rate_limited'):
                    return {'colony': w['colony'], 'code': w['code'], 'reply': r[1]}
                await asyncio.sleep(0.3)
            return {'colony': w['colony'], 'code': w['code'], 'reply': 'no answer'}

    return await asyncio.gather(*(one(w) for w in list(world.welcomes)))


# What a hub logs when it answers welcome or cloned before a replica held the write
# (hub/session/ws_session.cpp, wait_for_replicas_before_answering).
UNREPLICATED = re.compile(r'(invite (?P<code>[A-Z]{6}) redeemed|clone (?P<colony>[^/ ]+)/(?P<agent>\S+) made) before ')


def unreplicated_answers(logs_dir):
    """Every welcome (by code) and cloned (by colony and agent) a hub answered before a replica
    held it: the contract does not promise those through a failover (docs/protocol.md section 6)."""
    out = []
    for path in sorted(glob.glob(os.path.join(logs_dir, 'hub-*.log'))):
        with open(path, errors='replace') as f:
            for line in f:
                m = UNREPLICATED.search(line)
                if m and m.group('code'):
                    out.append({'via': 'welcome', 'code': m.group('code')})
                elif m:
                    out.append({'via': 'cloned', 'colony': m.group('colony'), 'agent': m.group('agent')})
    return out


def observations(world, status, recheck):
    return {'welcomes': world.welcomes, 'told': world.told, 'refusals': world.refusals, 'agents': truth(world),
            'watchers': [{'colony': w.colony, 'hub': str(w.port), 'connections': w.connections}
                         for w in world.watchers],
            'final_lists': getattr(world, 'final_lists', {}), 'recheck': recheck, 'status': status}
