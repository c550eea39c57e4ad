"""Child processes and the run context that owns them.

Every process a run starts is a Child of the run's RunContext: a with-block around a child stops
it when the block ends, a scenario's block stops whatever the scenario left running, and leaving
the run (normally, on an exception, on Ctrl-C or SIGTERM) stops everything still running, the
last started first.
"""
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

from .ports import PortAllocator


def log(*parts):
    print('[bench]', *parts, flush=True)


class Child:
    """One started process, with its log in the run's work directory."""

    def __init__(self, run, name, popen):
        self.run = run
        self.name = name
        self.popen = popen
        self.port = None

    @property
    def pid(self):
        return self.popen.pid

    def running(self):
        return self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal, wait up to `timeout` s, then SIGKILL. Stopping a stopped child does nothing."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.run.forget(self)

    def kill(self):
        self.stop(signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class RunContext:
    """One invocation of bench/run: whether it is quick, its work directory (logs, token files),
    its ports and its children. Use it as a context manager."""

    def __init__(self, settings, quick=False, work_prefix='mi-bench-'):
        self.settings = settings
        self.quick = quick
        self.ports = PortAllocator(settings.port_base, on_new=lambda name, port: log(f'port {port}: {name}'))
        self.keep = settings.keep
        self.work = None
        self._work_prefix = work_prefix
        self._children = []
        self._old_handlers = {}

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self):
        self.work = tempfile.mkdtemp(prefix=self._work_prefix)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, _exit_on_signal)
        _raise_open_files_limit()
        return self

    def __exit__(self, *exc):
        self.stop_all(timeout=3)
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        if self.work and os.path.isdir(self.work) and not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return False

    @contextlib.contextmanager
    def scenario(self):
        """Stops the children a scenario started, however it ends."""
        before = set(map(id, self._children))
        try:
            yield
        finally:
            for child in reversed(list(self._children)):
                if id(child) not in before:
                    child.stop(timeout=5)

    # -- children ---------------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.work, name)

    def spawn(self, cmd, name, stdout=None, **popen_kw):
        """Starts cmd with stderr (and stdout unless given) appended to WORK/name.log."""
        with open(self.path(name + '.log'), 'a') as out:
            popen = subprocess.Popen(cmd, stdout=out if stdout is None else stdout, stderr=out, **popen_kw)
        child = Child(self, name, popen)
        self._children.append(child)
        return child

    def forget(self, child):
        if child in self._children:
            self._children.remove(child)

    def stop_all(self, timeout=5):
        for child in reversed(list(self._children)):
            try:
                child.stop(timeout=timeout)
            except Exception as e:  # the others still get stopped
                log(f'stopping {child.name}: {e!r}')


def _exit_on_signal(signum, _frame):
    # SystemExit unwinds every with-block, which stops the children.
    sys.exit(128 + signum)


def _raise_open_files_limit():
    """Children inherit the limit: a generator, Redis or a Node peer holds up to 20,000 sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 20000:
        log(f'the open-files limit is {hard}: the large scenarios need 20,000 (ulimit -Hn)')

