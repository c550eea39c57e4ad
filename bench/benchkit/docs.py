"""The generated parts of docs/benchmarks.md and the plots, from bench/results/*.json.

Each result is rendered with the figures and notes report.py derives from its measurements, so
a change to the wording needs no new run; a result that cannot be derived (an older shape) is
rendered as it was stored. Everything here but write_docs and plot is a plain function of the
results, without files or processes.
"""
import json
import os
import shutil
import subprocess
import tempfile

from . import report
from .processes import log

TABLE = ('<!-- bench:table:start -->', '<!-- bench:table:end -->')
BEFORE_AFTER = ('<!-- bench:before-after:start -->', '<!-- bench:before-after:end -->')

# The scenarios in the table's order.
ORDER = tuple(report.FINDINGS)


# ---- reading -------------------------------------------------------------------------------

def load_dir(directory):
    """{scenario: results document} of the scenarios with a file in directory."""
    out = {}
    for name in ORDER:
        path = os.path.join(directory, name + '.json')
        if os.path.exists(path):
            with open(path) as f:
                out[name] = json.load(f)
    return out


def rendered(doc):
    """The figures and notes to show for a results document."""
    try:
        return report.findings(doc)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
        log(f"{doc.get('scenario')}: rendered as stored ({e!r})")
        return report.Findings(doc.get('figures', []), doc.get('notes', []))


# ---- the results table ---------------------------------------------------------------------

def cell(v, unit=''):
    if v is None:
        return '-'
    return report.fmt(v) + (f' {unit}' if unit else '')


def met_cell(fig):
    if fig.get('out_of_reach'):
        return '**no**, out of reach here'
    return {True: 'yes', False: '**no**', None: ''}[fig['met']]


def ratio_cell(fig):
    r = report.fmt(fig['ratio'])
    return f"{r} ({fig['ratio_is']})" if fig.get('ratio_is') and fig['ratio'] is not None else r


def md(text):
    """A table cell's text: a | would end the cell."""
    return str(text).replace('|', '\\|')


def link(name):
    return f'[{name}](../bench/results/{name}.json)'


def when(doc):
    return doc.get('date', '')[:16]


def table_rows(name, doc, found):
    rows = []
    for i, f in enumerate(found.figures):
        # Scenarios may come from different runs: the first row of each says when it ran.
        scenario = f'{link(name)} ({when(doc)})' if i == 0 else link(name)
        unit = f['unit']
        rows.append(f"| {scenario} | {md(f['name'])} | {cell(f['ours'], unit)} | {md(f['peer_name'])} | "
                    f"{cell(f['peer'], unit)} | {ratio_cell(f)} | {md(f['target'])} | {met_cell(f)} |")
    return rows


def machine_line(docs):
    machines = sorted({f"{m['cpu']}, {m['cores']} cores, {m['mem_gib']} GiB, {m['os']}, Linux {m['kernel']}, "
                       f"{m['redis']}, Node {m['node']}" for m in (d['machine'] for d in docs.values())})
    return 'Machine: ' + ('; '.join(machines) or '-')


def notes_list(name, doc, found):
    """The short list under the table for one scenario: each figure's note, then the scenario's."""
    items = [f"*{f['name']}*: {f['note']}" for f in found.figures if f.get('note')] + list(found.notes)
    if not items:
        return []
    return [f'**{name}** ({when(doc)}):', ''] + [f'- {item}' for item in items] + ['']


def results_section(docs):
    """The table, the machine, and the notes of every scenario (the ones not run say so)."""
    rows = ['| scenario | figure | mi-hub | peer | peer value | ratio | target | met |',
            '| --- | --- | --- | --- | --- | --- | --- | --- |']
    notes = []
    for name in ORDER:
        if name not in docs:
            rows.append(f'| {name} | not run | | | | | | |')
            continue
        found = rendered(docs[name])
        rows += table_rows(name, docs[name], found)
        notes += notes_list(name, docs[name], found)
    out = rows + ['', machine_line(docs), '']
    if notes:
        out += ['Notes, by scenario:', ''] + notes
    return '\n'.join(out).rstrip('\n') + '\n'


def before_after_section(before, now):
    """Each judged figure of an earlier design's results beside the same figure now."""
    rows = ['| scenario | figure | before | now | target |', '| --- | --- | --- | --- | --- |']
    for name in ORDER:
        if name not in before or name not in now:
            continue
        current = {f['name']: f for f in rendered(now[name]).figures}
        for f in before[name]['figures']:
            if f['name'] not in current or f['met'] is None:
                continue
            rows.append(f"| {name} | {md(f['name'])} | {cell(f['ours'], f['unit'])} ({before[name]['date'][:10]}) | "
                        f"{cell(current[f['name']]['ours'], f['unit'])} | {md(f['target'])} |")
    return '\n'.join(rows) + '\n'


def replace_between(text, markers, body):
    start, end = markers
    a, b = text.index(start) + len(start), text.index(end)
    return text[:a] + '\n' + body + text[b:]


def render(text, now, before):
    """docs/benchmarks.md with its generated parts rewritten."""
    text = replace_between(text, TABLE, results_section(now))
    return replace_between(text, BEFORE_AFTER, before_after_section(before, now))


# ---- plots ---------------------------------------------------------------------------------

def plot_rows(figures):
    return [f for f in figures if f['ours'] is not None]


def plot_data(figures):
    """gnuplot data: index, label, ours, peer (0: none)."""
    rows = plot_rows(figures)
    peers = sorted({r['peer_name'] for r in rows if r['peer_name']})
    lines = []
    for i, r in enumerate(rows):
        label = r['name'].replace('"', "'") + (f" ({r['unit']})" if r['unit'] else '')
        if len(peers) > 1 and r['peer_name'] and r['peer_name'] not in label:
            label += f" vs {r['peer_name']}"
        lines.append(f'{i} "{label}" {r["ours"]} {r["peer"] if r["peer"] is not None else 0}')
    return '\n'.join(lines) + '\n'


def plot_script(name, figures, doc, png, dat):
    """One PNG per scenario: ours beside the peer for each figure (log scale)."""
    rows = plot_rows(figures)
    peers = sorted({r['peer_name'] for r in rows if r['peer_name']})
    peer_names = peers[0] if len(peers) == 1 else 'peer (named in each label)' if peers else 'peer'
    # A figure without a peer value has no orange bar; the axis starts below the smallest bar.
    smallest = min((v for r in rows for v in (r['ours'], r['peer']) if v is not None and v > 0), default=1)
    return f'''
set terminal pngcairo size 1250,{260 + 70 * len(rows)} font "sans,10" noenhanced
set output "{png}"
set title "{name}: mi-hub and {'its peers' if len(peers) > 1 else peer_names} ({'quick' if doc.get('quick') else 'full'} run, {doc['date']})"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set xtics rotate by -20 left
set rmargin 40
set key outside top center horizontal
set yrange [{smallest / 2}:*]
plot "{dat}" using ($3 > 0 ? $3 : 1e-9):xtic(2) title "mi-hub" lc rgb "#2a6fdb", \\
     "" using ($4 > 0 ? $4 : 1e-9) title "{peer_names}" lc rgb "#e07b39"
'''


def plot(doc, figures, img_dir, work_dir):
    """Writes img_dir/bench-SCENARIO.png with gnuplot; returns its path, or None."""
    if not shutil.which('gnuplot'):
        log('gnuplot missing: no plot')
        return None
    if not plot_rows(figures):
        return None
    name = doc['scenario']
    os.makedirs(img_dir, exist_ok=True)
    png = os.path.join(img_dir, f'bench-{name}.png')
    dat = os.path.join(work_dir, f'{name}.dat')
    with open(dat, 'w') as f:
        f.write(plot_data(figures))
    r = subprocess.run(['gnuplot'], input=plot_script(name, figures, doc, png, dat), capture_output=True, text=True)
    if r.returncode != 0:
        log('gnuplot failed:', r.stderr.strip()[:300])
        return None
    return png


# ---- bench/run --docs ----------------------------------------------------------------------

def write_docs(settings):
    """Rewrites the tables of docs/benchmarks.md and the plots from the committed results."""
    now = load_dir(settings.results)
    before = load_dir(os.path.join(settings.results, 'before'))
    # The plots too, from the same results: a change to the drawing needs no new run.
    with tempfile.TemporaryDirectory(prefix='mi-bench-docs-') as work:
        for doc in now.values():
            png = plot(doc, rendered(doc).figures, settings.img, work)
            if png:
                log('wrote', os.path.relpath(png, settings.root))
    with open(settings.benchmarks_md) as f:
        text = f.read()
    with open(settings.benchmarks_md, 'w') as f:
        f.write(render(text, now, before))
    log('updated', os.path.relpath(settings.benchmarks_md, settings.root))
