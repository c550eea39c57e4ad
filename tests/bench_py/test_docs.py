"""docs.py: the generated table, notes and before/after of docs/benchmarks.md, and the plots'
gnuplot input (gnuplot itself is not run)."""
import copy
import re

from benchkit import docs, report
from conftest import SCENARIOS

PROSE = """# Benchmarks

Some prose that stays.

## Results of the last run

<!-- bench:table:start -->
old table
<!-- bench:table:end -->

## Before and after

More prose.

<!-- bench:before-after:start -->
old before/after
<!-- bench:before-after:end -->

## Findings

The end.
"""


def table_lines(section):
    return [line for line in section.splitlines() if line.startswith('| ')]


def cells(line):
    return [c.strip() for c in re.split(r'(?<!\\)\|', line)[1:-1]]


def test_table_has_a_row_per_figure(results):
    section = docs.results_section(results)
    rows = table_lines(section)
    assert cells(rows[0]) == ['scenario', 'figure', 'mi-hub', 'peer', 'peer value', 'ratio', 'target', 'met']
    not_run = [n for n in docs.ORDER if n not in results]
    assert len(rows) == 2 + sum(len(report.findings(d).figures) for d in results.values()) + len(not_run)
    assert all(len(cells(r)) == 8 for r in rows)


def test_each_scenario_first_row_says_when_it_ran(results):
    rows = table_lines(docs.results_section(results))[1:]
    firsts = [r for r in rows if re.search(r'\(\d{4}-\d\d-\d\d \d\d:\d\d\)', r)]
    assert len(firsts) == len(SCENARIOS)
    assert firsts[0].startswith('| [idle](../bench/results/idle.json) (2026-11-29 13:27) |')


def test_cells_are_short_figures(results):
    """One short figure per cell: no paragraph in the table."""
    for row in table_lines(docs.results_section(results)):
        for c in cells(row):
            assert len(c) <= 80, c


def test_rows_show_ours_peer_ratio_target_and_verdict(results):
    rows = {cells(r)[1]: cells(r) for r in table_lines(docs.results_section(results))[2:]}
    rss = rows['RSS growth per connection']
    assert rss[2:] == ['1.26 KiB', 'ws+ioredis', '4.85 KiB', '0.26', '<= 2 KiB and <= 0.3 x ws', 'yes']
    assert rows['hello -> online at watcher p99, 10000/s'][7] == '**no**, out of reach here'
    assert rows['hello -> online at watcher p99, 1000/s'][2] == '4.61 ms'
    assert rows['Redis commands per second'][5] == '222 (peer/ours)'
    assert rows['heartbeat frames per second (wall, incl. drain)'][7] == ''
    floor = rows['send(2) floor: sends per CPU-second, one per receiver']
    assert floor[2:6] == ['182,334 sends/CPU-s', '', '-', '-']


def test_a_missed_target_is_marked(results):
    results['reconnect']['hub']['all_online_after_restart_s'] = 6.5
    rows = {cells(r)[1]: cells(r) for r in table_lines(docs.results_section(results))[2:]}
    assert rows['all online again after restart'][2] == '6.5 s'
    assert rows['all online again after restart'][7] == '**no**'


def test_notes_are_under_the_table_one_list_per_scenario(results):
    section = docs.results_section(results)
    table_end = max(i for i, line in enumerate(section.splitlines()) if line.startswith('| '))
    lines = section.splitlines()[table_end + 1:]
    headings = [line for line in lines if line.startswith('**')]
    assert [h.split('**')[1] for h in headings] == list(SCENARIOS)
    items = [line for line in lines if line.startswith('- ')]
    assert items and all(len(i) <= 320 for i in items)
    assert any('saturated' in i for i in items)  # the flood's peer


def test_machine_line(results):
    section = docs.results_section(results)
    assert 'Machine: AMD EPYC, 2 cores, 23.5 GiB, Debian GNU/Linux 12 (bookworm)' in section


def test_a_scenario_not_run(results):
    del results['box']
    section = docs.results_section(results)
    assert '| box | not run | | | | | | |' in section
    assert '**box**' not in section


def test_an_older_result_renders_as_stored(results):
    doc = copy.deepcopy(results['flood'])
    del doc['peer_ws']
    found = docs.rendered(doc)
    assert found.figures == doc['figures']


def test_pipe_in_a_cell_is_escaped():
    assert docs.md('a | b') == 'a \\| b'


def test_before_after(results, before):
    section = docs.before_after_section(before, results)
    rows = {tuple(cells(r)[:2]): cells(r) for r in table_lines(section)[2:]}
    assert rows[('idle', 'RSS growth per connection')][2:] == ['13.5 KiB (2026-11-28)', '1.26 KiB',
                                                             '<= 2 KiB and <= 0.3 x ws']
    assert ('flood', 'heartbeat frames per second (wall, incl. drain)') not in rows  # context rows are not judged
    assert ('box', 'Redis commands per agent per minute') not in rows  # no earlier box result


def test_render_replaces_only_the_generated_parts(results, before):
    text = docs.render(PROSE, results, before)
    assert 'old table' not in text and 'old before/after' not in text
    for kept in ('Some prose that stays.', 'More prose.', '## Findings\n\nThe end.\n', '# Benchmarks'):
        assert kept in text
    assert docs.render(text, results, before) == text  # rendering again changes nothing


def test_every_number_in_the_table_is_from_the_results(results):
    """The table's figures are the derived figures' values, formatted."""
    rows = table_lines(docs.results_section(results))[2:]
    values = [report.fmt(f[k]) for d in results.values() for f in report.findings(d).figures
              for k in ('ours', 'peer', 'ratio')]
    for row in rows:
        c = cells(row)
        if c[1] == 'not run':
            continue
        for text in (c[2], c[4], c[5]):
            number = text.split(' ')[0]
            assert number in values, row


def test_plot_input(results):
    figures = report.findings(results['fanout']).figures
    data = docs.plot_data(figures).splitlines()
    assert len(data) == len(figures)
    assert data[0].startswith('0 "time to last watcher p99 (ms)" 181.947 5540.68')
    assert data[2].endswith(' 0')  # the floor has no peer bar
    script = docs.plot_script('fanout', figures, results['fanout'], '/x/bench-fanout.png', '/x/fanout.dat')
    assert 'set output "/x/bench-fanout.png"' in script
    assert 'fanout: mi-hub and Socket.IO+redis-adapter (full run, 2026-11-29 13:23:47 UTC)' in script
    assert 'set logscale y' in script


def test_plot_labels_name_the_peer_when_there_are_several(results):
    figures = report.findings(results['transitions']).figures
    data = docs.plot_data(figures)
    assert 'vs floor server' in data
    script = docs.plot_script('transitions', figures, results['transitions'], 'p.png', 'd.dat')
    assert 'title "peer (named in each label)"' in script
    assert 'its peers' in script


def test_plot_skips_figures_without_ours():
    figures = [report.figure('a', None, 3.0, 't', None), report.figure('b', 2.0, None, 't', None)]
    assert docs.plot_data(figures) == '0 "b" 2.0 0\n'
