"""webhook: agents from a pool say hello, stay, close, at 500 cycles/s (1,000 transitions/s:
online and offline) on one hub with --webhook-url; a receiver in this process answers 200 to
every delivery and times each event. Figures: the transitions per second turned into delivered
webhook events, and the p99 age of an event (now minus its "ts") when its delivery is answered,
over the events made while the load ran (those with at least --webhook-batch-wait of load after
them; the last ones, which fill no batch, are reported apart).
"""
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .. import measure, servers
from ..generators import loadgen, prepare_tokens
from ..settings import COLONY

NAME = 'webhook'
SECRET = 'bench-webhook-secret'


@dataclass(frozen=True)
class Params:
    cycles_per_s: int
    seconds: int
    pool: int
    hold_ms: int = 50
    batch_wait_s: float = 1.0    # the hub's default
    batch_events: int = 100      # the hub's default
    drain_deadline_s: int = 60   # after the transitions stop, for the last deliveries


FULL = Params(cycles_per_s=500, seconds=10, pool=1000)
QUICK = Params(cycles_per_s=500, seconds=3, pool=200, drain_deadline_s=20)


def params(quick, settings):
    return QUICK if quick else FULL


class Receiver:
    """The webhook endpoint: records each event once per (colony, epoch, seq), with its age when
    the delivery carrying it first arrived, and checks every signature."""

    def __init__(self, port):
        self.lock = threading.Lock()
        self.seen = set()
        self.events = []           # (ts, age_ms), first arrival of each event
        self.deliveries = 0
        self.duplicates = 0
        self.bad_signatures = 0
        self.max_seq = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
                now_ms = time.time() * 1000
                receiver.take(body, self.headers.get('X-Mi-Signature', ''), now_ms)
                self.send_response(200)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f'http://127.0.0.1:{port}/hooks'

    def take(self, body, signature, now_ms):
        parts = dict(p.split('=', 1) for p in signature.split(',') if '=' in p)
        expected = hmac.new(SECRET.encode(), parts.get('t', '').encode() + b'.' + body, hashlib.sha256).hexdigest()
        events = json.loads(body)['events']
        with self.lock:
            self.deliveries += 1
            if not hmac.compare_digest(expected, parts.get('v1', '')):
                self.bad_signatures += 1
            for e in events:
                key = (e['colony'], e['epoch'], e['seq'])
                if key in self.seen:
                    self.duplicates += 1
                    continue
                self.seen.add(key)
                self.events.append((e['ts'], now_ms - e['ts']))
                self.max_seq = max(self.max_seq, e['seq'])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(ctx, p):
    receiver = Receiver(ctx.ports('webhook-receiver'))
    try:
        with servers.Redis(ctx) as redis:
            flags = ('--webhook-url', receiver.url, '--webhook-secret', SECRET,
                     '--webhook-batch-wait', str(p.batch_wait_s), '--webhook-batch-events', str(p.batch_events))
            with servers.hub(ctx, 'hub', redis, 'wh', extra=flags) as hub:
                tokens, _ = prepare_tokens(ctx, hub.port, p.pool, 'webhook')
                agents = loadgen(ctx, 'transitions', 'wh-transitions', [hub.port], tokens=tokens, count=p.pool,
                                 watchers=1, rate=p.cycles_per_s, hold_ms=p.hold_ms, duration=p.seconds,
                                 barrier=True, concurrency=20)
                agents.wait('ready', 120)
                cpu = measure.CpuMeter({'hub': [hub.pid], 'redis': [redis.pid]}).start()
                start_ms = time.time() * 1000
                agents.go()
                agents.wait('report', p.seconds + 120)
                end_ms = time.time() * 1000
                rep = agents.finish(60)
                # Every event the colony had by now, delivered: the receiver's last seq reaches it.
                last_seq = int(redis.cli('get', f'mi:bench:{{c:{COLONY}}}:seq').strip() or 0)
                drain_end = time.monotonic() + p.drain_deadline_s
                while receiver.max_seq < last_seq and time.monotonic() < drain_end:
                    time.sleep(0.05)
                cpu.stop()
                drained = receiver.max_seq >= last_seq
                metrics = measure.hub_metrics(hub.port, 10)
        with receiver.lock:
            # Throughput: every event the transitions made (the joins of the pool came before).
            made = [age for ts, age in receiver.events if ts >= start_ms]
            # Lag at the asked rate: the events with at least a batch wait of load after them. The
            # last events of a run fill no batch and wait out --webhook-batch-wait, which is the
            # contract's bound, not the lag under load.
            steady_end_ms = start_ms + (p.seconds - p.batch_wait_s) * 1000
            steady = [age for ts, age in receiver.events if start_ms <= ts <= steady_end_ms]
            tail = [age for ts, age in receiver.events if ts > steady_end_ms]
            out = {
                'window_s': p.seconds,
                'cycles': rep['cycles'],
                'transitions_per_s': 2 * rep['cycles'] / p.seconds,
                'events_made': len(made),
                'delivered_per_s': len(made) / p.seconds,
                'age_ms': {'count': len(steady), 'p50_ms': percentile(steady, 0.50),
                           'p99_ms': percentile(steady, 0.99), 'max_ms': max(steady) if steady else None},
                'tail_age_ms': {'count': len(tail), 'p99_ms': percentile(tail, 0.99),
                                'max_ms': max(tail) if tail else None},
                'deliveries': receiver.deliveries,
                'duplicates': receiver.duplicates,
                'bad_signatures': receiver.bad_signatures,
                'drained': drained,
                'hub_webhook_failures': metrics.get('mi_webhook_failures_total'),
                'hub_webhook_dropped': metrics.get('mi_webhook_events_dropped_total'),
                'busy_cores': cpu.busy_cores(),
            }
        return out
    finally:
        receiver.close()
