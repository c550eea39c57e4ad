"""The fault schedule: drawn in full from the seed before the run starts (so a seed names the
same faults, at the same times, on the same targets), then injected one after the other."""
import asyncio
import random
import signal

WEIGHTS = {
    'plain': {'redis_stop': 3, 'redis_kill': 2, 'hub_kill': 3, 'hub_term': 2, 'drop': 3},
    'sentinel': {'redis_stop': 2, 'redis_kill': 2, 'failover': 3, 'hub_kill': 3, 'hub_term': 2, 'drop': 3},
}


def schedule(seed, duration_s, mode, hubs=3, warmup_s=5.0):
    """[{at, kind, ...}]: at is seconds after the chaos phase starts."""
    rng = random.Random(f'{seed}:faults')
    kinds = WEIGHTS[mode]
    names, weights = list(kinds), list(kinds.values())
    faults, t = [], warmup_s
    while t < duration_s - 2:
        kind = rng.choices(names, weights)[0]
        f = {'at': round(t, 2), 'kind': kind}
        if kind == 'redis_stop':
            f['hold_s'] = round(rng.uniform(1.0, 6.0), 2)
        elif kind == 'redis_kill':
            f['down_s'] = round(rng.uniform(0.5, 4.0), 2)
        elif kind in ('hub_kill', 'hub_term'):
            f['hub'] = rng.randrange(hubs)
            f['down_s'] = round(rng.uniform(0.2, 4.0), 2)
        elif kind == 'drop':
            f['count'] = rng.randint(1, 8)
            f['pick'] = rng.getrandbits(32)  # which connections: drawn now, applied to those open then
        faults.append(f)
        t += f.get('hold_s', 0) + f.get('down_s', 0) + rng.uniform(2.0, 7.0)
    return faults


class Injector:
    def __init__(self, topology, world, log):
        self.top = topology
        self.world = world
        self.log = log
        self.done = []

    async def run(self, faults, start, duration_s):
        """Injects the faults in order, each at its time or once the one before has ended and
        Redis has recovered, whichever is later; those that would start after duration_s are
        skipped (listed in self.skipped), so that a run lasts its duration."""
        loop = asyncio.get_running_loop()
        self.skipped = []
        for n, f in enumerate(faults):
            if loop.time() - start >= duration_s:
                self.skipped = faults[n:]
                break
            delay = start + f['at'] - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            rec = dict(f, started=self.world.now())
            try:
                rec['what'] = await getattr(self, f['kind'])(f)
            except Exception as e:  # recorded; the run goes on
                rec['error'] = repr(e)
            if f['kind'] in ('redis_stop', 'redis_kill', 'failover'):
                # One fault at a time: the next starts once Redis has recovered from this one.
                for _ in range(300):
                    if await self._thread(self.top.healthy):
                        break
                    await asyncio.sleep(0.1)
                else:
                    rec['error'] = 'Redis did not recover within 30 s'
            rec['ended'] = self.world.now()
            self.done.append(rec)
            self.log(f"fault {len(self.done)}/{len(faults)} at {rec['started']:.1f} s: {f['kind']} "
                     f"{rec.get('what', '')} {rec.get('error', '')}".rstrip())

    async def _thread(self, fn, *args):
        return await asyncio.to_thread(fn, *args)

    async def redis_stop(self, f):
        node = self.top.primary()
        node.signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(f['hold_s'])
        finally:
            node.signal(signal.SIGCONT)
        return f'SIGSTOP {node.name} ({node.port}) for {f["hold_s"]} s'

    async def redis_kill(self, f):
        node = self.top.primary()
        await self._thread(node.kill)
        what = f'SIGKILL {node.name} ({node.port})'
        await asyncio.sleep(f['down_s'])
        if self.top.mode == 'sentinel':
            # The sentinels fail over (down-after + election); the old primary then comes back
            # as a replica of the new one.
            for _ in range(300):
                if self.top.primary() is not node:
                    break
                await asyncio.sleep(0.1)
            what += f'; primary now {self.top.primary().name}'
        await self._thread(self.top.restart_redis, node)
        return what + f'; restarted after {f["down_s"]} s'

    async def failover(self, f):
        before = self.top.primary()
        answer = await self._thread(self.top.sentinel_failover)
        for _ in range(150):
            if self.top.primary() is not before:
                break
            await asyncio.sleep(0.1)
        return f'SENTINEL FAILOVER: {answer}; primary {before.name} -> {self.top.primary().name}'

    async def hub_kill(self, f):
        hub = self.top.hubs[f['hub']]
        await self._thread(hub.kill)
        await asyncio.sleep(f['down_s'])
        await self._thread(hub.start)
        return f'SIGKILL {hub.hub_id}, restarted after {f["down_s"]} s'

    async def hub_term(self, f):
        hub = self.top.hubs[f['hub']]
        status = await self._thread(hub.terminate)
        await asyncio.sleep(f['down_s'])
        await self._thread(hub.start)
        return f'SIGTERM {hub.hub_id} (exit {status}), restarted after {f["down_s"]} s'

    async def drop(self, f):
        rng = random.Random(f['pick'])
        agents = sorted((a for a in self.world.agents if a.conn is not None and not a.conn.ended.is_set()),
                        key=lambda a: (a.colony, a.name))
        watchers = [w for w in self.world.watchers if w.ws is not None]
        pool = [('agent', a) for a in agents] + [('watcher', w) for w in watchers]
        picked = rng.sample(pool, min(f['count'], len(pool)))
        names = []
        for kind, x in picked:
            if kind == 'agent':
                x.note('dropped by a fault', x.conn.port)
                x.conn.drop()
                names.append(x.id)
            else:
                x.drop()
                names.append(f'watcher {x.colony}@{x.port}')
        self.world.counts['connections dropped'] += len(picked)
        return 'dropped ' + ', '.join(names)
