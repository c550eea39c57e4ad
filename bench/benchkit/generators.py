"""The load: mi-loadgen processes and the Socket.IO client driver, which speak one stdout
protocol (bench/loadgen/main.cpp): `READY {..}` once set up (with --barrier a line on stdin then
starts them), `PROGRESS {..}` every second, `ALLONLINE {..}` when every agent is back, and a last
`REPORT {..}`."""
import json
import os
import subprocess
import threading
import time

from .processes import log
from .settings import ADMIN_TOKEN, COLONY

# Source addresses a generator spreads its sockets over unless a scenario gives its own. From one
# source address to one hub, Linux's search for a free ephemeral port degrades once about half the
# range is taken: past some 14,000 sockets each connect(2) costs about a millisecond of the
# generator's CPU, which would then be measured instead of the server.
DEFAULT_SOURCES = ','.join(f'127.0.0.{i}' for i in range(2, 6))


def source(i):
    """A source address of its own for the i-th of several generators."""
    return f'127.0.0.{2 + i}'


class NoLine(RuntimeError):
    """A generator did not print an awaited line in time (or exited first)."""


class Generator:
    """A generator process and the last line of each kind it printed."""
    KINDS = ('READY', 'REPORT', 'ALLONLINE', 'PROGRESS', 'DROPPED')

    def __init__(self, run, cmd, name):
        self.name = name
        self.ready = self.report = self.allonline = self.progress = self.dropped = None
        self.eof = False
        self.child = run.spawn(cmd, name, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def pid(self):
        return self.child.pid

    def _read(self):
        for line in self.child.popen.stdout:
            kind, _, body = line.strip().partition(' ')
            if kind in self.KINDS:
                setattr(self, kind.lower(), json.loads(body))
        self.eof = True

    def wait(self, kind, timeout):
        """The line of `kind` (ready, report, allonline), waiting up to timeout s."""
        end = time.monotonic() + timeout
        while getattr(self, kind) is None:
            # Not poll(): it would reap a generator that exits right after its REPORT, and its CPU
            # time, still readable from /proc until then, is read after this returns. Its output
            # ending tells the same without that.
            if self.eof and getattr(self, kind) is None:
                raise NoLine(f'{self.name} exited ({self.child.popen.wait(10)}) before {kind}; see its log')
            if time.monotonic() > end:
                raise NoLine(f'{self.name}: no {kind} within {timeout:.0f} s')
            time.sleep(0.02)
        return getattr(self, kind)

    def go(self):
        self.command('go')

    def command(self, line):
        """A line on its stdin: `go` after READY; then, for agents with --reconnect, `drop`."""
        self.child.popen.stdin.write(line + '\n')
        self.child.popen.stdin.flush()

    def close_stdin(self):
        self.child.popen.stdin.close()

    def finish(self, timeout):
        """Its REPORT; then it exits."""
        rep = self.wait('report', timeout)
        try:
            self.child.popen.wait(30)
        except subprocess.TimeoutExpired:
            pass
        self.child.stop()
        return rep

    def kill(self):
        self.child.kill()

    def sent(self):
        """Frames it had written by its last PROGRESS line (0 before the first)."""
        return (self.progress or {}).get('frames_sent', 0)


def go_all(gens):
    for g in gens:
        g.go()


def tls_flags(certs, resume=False):
    """The agents' flags for wss:// to a server with certs (tls.Certs), verified against its CA;
    resume: each agent offers its last session when it reconnects."""
    return {'tls': True, 'ca_file': certs.ca, 'tls_resume': resume}


def loadgen_cmd(binary, mode, hub_ports, flags):
    cmd = [binary, mode]
    if hub_ports:
        cmd += ['--hub', ','.join(f'127.0.0.1:{p}' for p in hub_ports)]
    for k, v in flags.items():
        k = '--' + k.replace('_', '-')
        if v is True:
            cmd.append(k)
        elif v is not None and v is not False:
            cmd += [k, str(v)]
    return cmd


def loadgen(run, mode, name, hub_ports, **flags):
    """mi-loadgen MODE against the hubs on hub_ports; flags spelled as Python names
    (read_every_ms=5 is --read-every-ms 5; True is a bare flag, None or False leaves it out)."""
    flags.setdefault('source', DEFAULT_SOURCES)
    flags = {'admin_token': ADMIN_TOKEN, 'colony': COLONY, **flags}
    cmd = loadgen_cmd(run.settings.loadgen, mode, hub_ports, flags)
    log(' '.join(cmd))
    return Generator(run, cmd, name)


def prepare_tokens(run, hub_port, count, name, prefix='a', concurrency=400, colony=None):
    """Onboards `count` agents through the hub (hub_port: a port, or several to spread the
    invites and onboardings over); the token file and the onboarding's report. Prints the
    generator's progress every 10 s."""
    path = run.path(name + '.tokens')
    ports = hub_port if isinstance(hub_port, (list, tuple)) else [hub_port]
    g = loadgen(run, 'onboard', 'onboard-' + name, ports, count=count, out=path, name_prefix=prefix,
                concurrency=concurrency, **({'colony': colony} if colony else {}))
    t0 = time.monotonic()
    next_log = t0 + 10
    while g.report is None and not g.eof and time.monotonic() - t0 < 3600:
        time.sleep(0.2)
        if time.monotonic() >= next_log and g.progress:
            next_log += 10
            log(f"preparing {count:,} agents: {g.progress.get('invites', 0):,} invited, "
                f"{g.progress.get('onboarded', 0):,} onboarded, {time.monotonic() - t0:.0f} s")
    rep = g.finish(3600)
    if rep['agents'] < count:
        raise RuntimeError(f'onboarded {rep["agents"]} of {count}')
    log(f'prepared {count:,} agents: invites {rep["invites_s"]:.1f} s, onboard {rep["onboard_s"]:.1f} s '
        f'({count / max(1e-9, rep["invites_s"] + rep["onboard_s"]):,.0f} agents/s)')
    return path, rep


def send_floor(run, receivers, events, rate):
    """The kernel's floor for fan-out here: one send(2) per receiver, nothing else (send_floor.hpp)."""
    cmd = loadgen_cmd(run.settings.loadgen, 'send-floor', None,
                      {'watchers': receivers, 'events': events, 'rate': rate, 'source': DEFAULT_SOURCES})
    log(' '.join(cmd))
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=True).stdout
    rep = json.loads(out.split('REPORT ', 1)[1].splitlines()[0])
    log(f"send(2) floor: {rep['sends_per_cpu_s']:,.0f} sends per CPU-second; one event to {receivers} "
        f"receivers takes p99 {rep['time_to_last_receiver']['p99_ms']:.1f} ms")
    return rep


def socketio_clients(run, server_port, count, events, rate):
    """bench/peers/socketio_fanout.mjs clients: `count` watchers and one sender."""
    cmd = ['node', os.path.join(run.settings.peers, 'socketio_fanout.mjs'), 'clients',
           '--url', f'http://127.0.0.1:{server_port}', '--count', str(count), '--events', str(events),
           '--rate', str(rate)]
    log(' '.join(cmd))
    return Generator(run, cmd, 'socketio-clients')
