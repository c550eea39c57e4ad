"""bench/run's command line: run scenarios, or rewrite the docs from the results."""
import dataclasses
import os
import subprocess
import sys
import time
import traceback

from . import docs, measure, report
from .processes import RunContext, log
from .scenarios import SCENARIOS
from .settings import Settings


def main(argv, usage=''):
    if not argv or argv[0] in ('-h', '--help'):
        print(usage.strip())
        return 0
    settings = Settings.from_env()
    if argv == ['--docs']:
        docs.write_docs(settings)
        return 0
    argv = list(argv)
    if '--agents' in argv:  # the box's size: bench/run box --agents 1000000
        at = argv.index('--agents')
        try:
            settings = dataclasses.replace(settings, agents=int(argv[at + 1].replace(',', '').replace('_', '')))
        except (IndexError, ValueError):
            print('--agents needs a whole number', file=sys.stderr)
            return 2
        del argv[at:at + 2]
    quick = bool(argv) and argv[0] == '--quick'
    names = argv[1:] if quick else argv
    names = list(SCENARIOS) if names == ['all'] else names
    unknown = [n for n in names if n not in SCENARIOS]
    if not names or unknown:
        print(f"unknown scenario {' '.join(unknown) or '(none given)'}; one of: all " + ' '.join(SCENARIOS),
              file=sys.stderr)
        return 2
    for binary in (settings.hub, settings.loadgen):
        if not os.access(binary, os.X_OK):
            print(f'{binary} missing: build it (MI_BUILD_DIR={settings.build})', file=sys.stderr)
            return 2
    if not os.path.isdir(os.path.join(settings.peers, 'node_modules')):
        log('installing peers (npm ci)')
        subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=settings.peers, check=True)
    try:
        with RunContext(settings, quick) as ctx:
            failed = [name for name in names if not run_scenario(ctx, name)]
            if failed:
                log(f'failed: {" ".join(failed)} (logs kept in {ctx.work})')
    except KeyboardInterrupt:
        log('interrupted; every process started was stopped')
        return 130
    return 1 if failed else 0


def run_scenario(ctx, name):
    """Runs one scenario and writes its results and plot; False if it broke."""
    scenario = SCENARIOS[name]
    log(f'=== {name} ({"quick" if ctx.quick else "full"}) ===')
    t = time.monotonic()
    try:
        params = scenario.params(ctx.quick, ctx.settings)
        with ctx.scenario():
            data = scenario.run(ctx, params)
        doc = report.document(name, ctx.quick, dataclasses.asdict(params), measure.machine(), data)
        if name == 'box' and ctx.settings.agents:
            doc['command'] += f' --agents {ctx.settings.agents}'

        path = report.write(doc, ctx.settings.results_dir(ctx.quick))
        log('wrote', os.path.relpath(path, ctx.settings.root))
        for line in report.summary_lines(doc):
            log(line)
        png = docs.plot(doc, doc['figures'], ctx.settings.img_dir(ctx.quick), ctx.work)
        if png:
            log('wrote', os.path.relpath(png, ctx.settings.root))
        return True
    except Exception as e:
        traceback.print_exc()
        log(f'{name} FAILED: {e!r} (logs in {ctx.work})')
        ctx.keep = True
        return False
    finally:
        log(f'=== {name} done in {time.monotonic() - t:.0f} s ===')
