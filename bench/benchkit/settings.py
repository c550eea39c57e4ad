"""Paths and the environment a run reads (MI_BUILD_DIR, MI_BENCH_PORT_BASE, MI_BENCH_BOX_SECONDS,
MI_BENCH_KEEP)."""
import os
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What every hub and generator of a run shares.
ADMIN_TOKEN = 'bench-admin-token'
COLONY = 'bench'


@dataclass(frozen=True)
class Settings:
    root: str
    build: str
    port_base: int
    box_seconds: int
    keep: bool
    agents: int = None  # bench/run box --agents N: the box's size (None: its default)

    @classmethod
    def from_env(cls, environ=None, root=ROOT):
        env = os.environ if environ is None else environ
        build = env.get('MI_BUILD_DIR', 'build')
        return cls(root=root, build=build if os.path.isabs(build) else os.path.join(root, build),
                   port_base=int(env.get('MI_BENCH_PORT_BASE', '17000')),
                   box_seconds=int(env.get('MI_BENCH_BOX_SECONDS', '600')),
                   keep=bool(env.get('MI_BENCH_KEEP')))

    @property
    def bench(self):
        return os.path.join(self.root, 'bench')

    @property
    def results(self):
        return os.path.join(self.bench, 'results')

    @property
    def img(self):
        return os.path.join(self.root, 'docs', 'img')

    @property
    def benchmarks_md(self):
        return os.path.join(self.root, 'docs', 'benchmarks.md')

    @property
    def peers(self):
        return os.path.join(self.bench, 'peers')

    @property
    def hub(self):
        return os.path.join(self.build, 'bin', 'mi-hub')

    @property
    def loadgen(self):
        return os.path.join(self.build, 'bin', 'mi-loadgen')

    def results_dir(self, quick):
        """Where a run's JSON goes: a quick run's under quick/ (not committed)."""
        return os.path.join(self.results, 'quick') if quick else self.results

    def img_dir(self, quick):
        return os.path.join(self.results, 'quick') if quick else self.img
