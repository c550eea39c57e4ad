"""report.py: the figures, ratios, targets and verdicts derived from results documents."""
import copy
import dataclasses
import json

import pytest

from benchkit import report
from benchkit.scenarios import SCENARIOS as RUNNERS
from benchkit.scenarios import transitions as transitions_scenario
from conftest import COMMITTED, SCENARIOS, load

COMPARED = ('name', 'unit', 'peer_name', 'target', 'met', 'out_of_reach')


def by_name(figures):
    return {f['name']: f for f in figures}


def fig(doc, name):
    return by_name(report.findings(doc).figures)[name]


# ---- every stored result -------------------------------------------------------------------

@pytest.mark.parametrize('name', SCENARIOS)
def test_derived_figures_are_the_stored_ones(name):
    """A committed result's figures come out of its measurements as they were stored."""
    doc = load(name)
    derived = report.findings(doc).figures
    assert [f['name'] for f in derived] == [f['name'] for f in doc['figures']]
    for new, old in zip(derived, doc['figures']):
        for key in COMPARED:
            assert new[key] == old[key], (new['name'], key)
        for key in ('ours', 'peer', 'ratio'):
            assert new[key] == pytest.approx(old[key], rel=1e-12), (new['name'], key)


@pytest.mark.parametrize('name', SCENARIOS)
def test_committed_results_still_derive_as_stored(name):
    """The same for bench/results itself: the docs show what the JSON says."""
    doc = load(name, COMMITTED)
    for new, old in zip(report.findings(doc).figures, doc['figures']):
        assert (new['name'], new['met'], new['out_of_reach']) == (old['name'], old['met'], old['out_of_reach'])
        assert new['ours'] == pytest.approx(old['ours'], rel=1e-12)


def test_every_scenario_has_a_report_and_a_runner_in_one_order():
    assert tuple(report.FINDINGS) == tuple(RUNNERS)
    # The stored results are of scenarios in that order (a new scenario has none until it runs).
    assert [n for n in RUNNERS if n in SCENARIOS] == list(SCENARIOS)


@pytest.mark.parametrize('name', SCENARIOS)
def test_params_keep_the_recorded_keys(name):
    """A run records its Params: the keys the stored results have (and report.py reads) remain."""
    stored = set(load(name)['params'])
    module = RUNNERS[name]
    for p in (module.FULL, module.QUICK):
        assert dataclasses.is_dataclass(p)
        assert stored <= set(dataclasses.asdict(p)), stored - set(dataclasses.asdict(p))


def test_params_full_and_quick():
    box = RUNNERS['box']

    class Env:
        box_seconds = 300
    full = box.params(False, Env)
    assert (full.hold_s, full.peer_hold_s, full.agents) == (300, 120, 100000)
    assert box.params(True, Env) == box.QUICK
    assert RUNNERS['transitions'].QUICK.rates == (100,)
    assert RUNNERS['transitions'].FULL.rates == (1000, 10000)


# ---- verdict helpers -----------------------------------------------------------------------

def test_three_valued_verdicts():
    assert report.all_of(True, True) is True
    assert report.all_of(True, None) is None
    assert report.all_of(None, False) is False
    assert report.at_most(None, 5) is False
    assert report.at_least(3, 2) is True
    assert report.versus(1, None, lambda a, b: a > b) is None
    assert report.versus(3, 1, lambda a, b: a >= 3 * b) is True


def test_fmt():
    assert report.fmt(None) == '-'
    assert report.fmt(8056598.957) == '8,056,599'
    assert report.fmt(0.2601) == '0.26'
    assert report.fmt(1000) == '1,000'
    assert report.fmt(True) == 'True'


def test_ratio_is_ours_over_peer_unless_given():
    assert report.figure('x', 6.0, 3.0, 't', True)['ratio'] == 2.0
    assert report.figure('x', 6.0, None, 't', True)['ratio'] is None
    f = report.figure('x', 2.0, 500.0, 't', True, ratio=250.0, ratio_is='peer/ours')
    assert (f['ratio'], f['ratio_is']) == (250.0, 'peer/ours')
    assert report.figure('x', 1, 2, 't', True, out_of_reach=True)['out_of_reach'] is False


# ---- idle ----------------------------------------------------------------------------------

def test_idle(results):
    doc = results['idle']
    rss = fig(doc, 'RSS growth per connection')
    assert rss['ours'] == pytest.approx(1.2615, abs=1e-4)
    assert rss['peer'] == pytest.approx(4.8495, abs=1e-4)
    assert rss['ratio'] == pytest.approx(0.26, abs=1e-3)
    assert (rss['target'], rss['met'], rss['unit']) == ('<= 2 KiB and <= 0.3 x ws', True, 'KiB')
    cpu = fig(doc, 'CPU while idle')
    assert cpu['met'] is True and cpu['ours'] < 2


def test_idle_missed(results):
    doc = results['idle']
    doc['hub']['rss_per_conn_kib'] = 1.5  # under 2 KiB but above 0.3 x the peer's 4.85
    assert fig(doc, 'RSS growth per connection')['met'] is False
    doc['hub']['rss_per_conn_kib'] = 1.2
    doc['hub']['cpu_percent_of_core'] = 2.0
    assert fig(doc, 'RSS growth per connection')['met'] is True
    assert fig(doc, 'CPU while idle')['met'] is False


# ---- flood ---------------------------------------------------------------------------------

def test_flood(results):
    doc = results['flood']
    f = fig(doc, 'heartbeat frames per hub CPU-second')
    assert f['ours'] == pytest.approx(77262784 / 9.59)
    assert f['ratio'] == pytest.approx(14.02, abs=0.01)
    assert f['met'] is True
    assert fig(doc, 'heartbeat frames per second (wall, incl. drain)')['met'] is None


def test_flood_saturated_peer_is_noted(results):
    doc = results['flood']
    assert report.flood_saturated(doc['peer_ws']) is True    # 87.6 s from the flood's end to its count
    assert report.flood_saturated(doc['hub']) is False       # 1.0 s
    notes = report.findings(doc).notes
    assert any(n.startswith('ws (memory only)') and 'saturated' in n for n in notes)
    assert not any(n.startswith('mi-hub') and 'saturated' in n for n in notes)


def test_flood_peer_count_not_read(results):
    """A peer that gave no count even after draining: its figure is missing, the ratio part of
    the target is not judged, and the notes say why."""
    doc = results['flood']
    doc['peer_ws'].update({'frames': None, 'frames_per_s': None, 'frames_per_cpu_s': None, 'saturated': True,
                           'stats_error': "TimeoutError('timed out')"})
    f = fig(doc, 'heartbeat frames per hub CPU-second')
    assert (f['peer'], f['ratio'], f['met']) == (None, None, None)
    notes = report.findings(doc).notes
    assert any('TimeoutError' in n for n in notes)
    assert any('not judged' in n for n in notes)
    doc['hub']['frames_per_cpu_s'] = 400000.0  # our half missed: missed whatever the peer did
    assert fig(doc, 'heartbeat frames per hub CPU-second')['met'] is False


def test_flood_explicit_saturated_flag_wins(results):
    doc = results['flood']
    doc['hub']['saturated'] = True
    assert report.flood_saturated(doc['hub']) is True


# ---- transitions ---------------------------------------------------------------------------

def test_transitions(results):
    doc = results['transitions']
    slow = fig(doc, 'hello -> online at watcher p99, 1000/s')
    assert slow['ours'] == pytest.approx(4.609)
    assert (slow['target'], slow['met'], slow['out_of_reach']) == ('p99 <= 5 ms', True, False)
    fast = fig(doc, 'hello -> online at watcher p99, 10000/s')
    assert (fast['target'], fast['met'], fast['out_of_reach']) == ('p99 <= 25 ms', False, True)
    assert len(report.findings(doc).figures) == 12
    floor = fig(doc, 'hello -> online p99 and the floor server, 1000/s')
    assert floor['peer'] == pytest.approx(3.492) and floor['met'] is None


def test_transitions_cores_needed(results):
    doc = results['transitions']
    need = report.transitions_cores_needed(doc, 10000)
    assert need.reached
    assert need.total == pytest.approx(2.35, abs=0.01)
    assert report.transitions_cores_needed(doc, 1000).total == pytest.approx(1.02, abs=0.01)


def test_transitions_not_out_of_reach_on_more_cores(results):
    doc = results['transitions']
    doc['machine']['cores'] = 4
    fast = fig(doc, 'hello -> online at watcher p99, 10000/s')
    assert (fast['met'], fast['out_of_reach']) == (False, False)
    assert not any('out of reach' in n for n in report.findings(doc).notes)


def test_transitions_not_full_is_missed(results):
    doc = results['transitions']
    doc['hub']['1000']['watchers_closed'] = 3
    assert fig(doc, 'hello -> online at watcher p99, 1000/s')['met'] is False
    doc = copy.deepcopy(load('transitions'))
    doc['hub']['1000']['cycles_per_s'] = 800
    assert fig(doc, 'hello -> online at watcher p99, 1000/s')['met'] is False


def test_transitions_runs_chosen():
    runs = [{'online_delay': {'count': 1, 'p99_ms': v}} for v in (5.0, 4.0, 9.0, 4.5, 6.0)]
    runs.append({'online_delay': {'count': 0, 'p99_ms': 0}})  # no sample: the worst, not the best
    assert transitions_scenario.best_p99(runs)['online_delay']['p99_ms'] == 4.0
    assert transitions_scenario.median_p99(runs[:5])['online_delay']['p99_ms'] == 5.0
    assert transitions_scenario.median_p99(runs)['online_delay']['p99_ms'] == 6.0


def test_transitions_notes_give_each_run(results):
    notes = report.findings(results['transitions']).notes
    assert any(n.startswith('1000/s, mi-hub: p99 of its 5 runs 4.6, 5.0, 4.6, 4.3, 4.8 ms') for n in notes)
    assert any('2.35 of 2 cores: more than the machine has' in n for n in notes)


# ---- fanout --------------------------------------------------------------------------------

def test_fanout(results):
    doc = results['fanout']
    last = fig(doc, 'time to last watcher p99')
    assert (last['met'], last['out_of_reach']) == (False, True)
    assert last['ratio'] == pytest.approx(181.947 / 5540.684852)
    per_cpu = fig(doc, 'deliveries per hub CPU-second')
    assert (per_cpu['met'], per_cpu['out_of_reach']) == (False, True)
    assert fig(doc, 'send(2) floor: one event to 10000 receivers, p99')['peer'] is None
    notes = report.findings(doc).notes
    assert any('87% of the send(2) floor' in n for n in notes)
    assert any(n.startswith('Socket.IO') and 'saturated' in n for n in notes)


def test_fanout_met_under_the_floor(results):
    doc = results['fanout']
    doc['hub']['time_to_last_watcher']['p99_ms'] = 15.0
    assert fig(doc, 'time to last watcher p99')['met'] is True
    doc['hub']['events_complete'] = 199
    assert fig(doc, 'time to last watcher p99')['met'] is False


def test_fanout_peer_without_report(results):
    doc = results['fanout']
    doc['peer_socketio'] = {'mode': 'fanout', 'peer': 'socket.io', 'reported': False, 'error': 'no report within 610 s',
                            'waited_s': 610.0, 'watchers': 10000, 'events': 200, 'events_complete': None,
                            'deliveries': None, 'server_cpu_s': 30.0, 'deliveries_per_cpu_s': None}
    found = report.findings(doc)
    figs = by_name(found.figures)
    assert figs['time to last watcher p99']['peer'] is None
    assert figs['time to last watcher p99']['ratio'] is None
    assert figs['delivery latency p50']['peer'] is None
    assert figs['deliveries per hub CPU-second']['met'] is False  # ours is under 1,000,000 anyway
    assert any('did not report within 610 s' in n for n in found.notes)


# ---- reconnect -----------------------------------------------------------------------------

def test_reconnect(results):
    doc = results['reconnect']
    f = fig(doc, 'all online again after restart')
    assert f['ours'] == pytest.approx(2.2243, abs=1e-4)
    assert (f['met'], f['target'], f['unit']) == (True, '<= 5 s', 's')


def test_reconnect_not_all_back(results):
    doc = results['reconnect']
    doc['peer_ws'].update({'all_online_after_restart_s': None, 'all_online_after_first_close_s': None,
                           'reconnect_attempts': None, 'failed_attempts': None, 'online_at_deadline': 18000,
                           'waited_s': 300})
    found = report.findings(doc)
    assert found.figures[0]['peer'] is None and found.figures[0]['met'] is True
    assert any('18,000 of 19,000 back' in n for n in found.notes)
    doc['hub']['all_online_after_restart_s'] = None
    found = report.findings(doc)
    assert found.figures[0]['met'] is False
    assert found.notes[0].startswith('mi-hub: 19,000 online') and '? of 19,000 back' in found.notes[0]


# ---- redis-cost ----------------------------------------------------------------------------

def test_redis_cost(results):
    doc = results['redis-cost']
    per_s = fig(doc, 'Redis commands per second')
    assert per_s['ratio'] == pytest.approx(74662.98 / 337.05, rel=1e-4)
    assert per_s['ratio_is'] == 'peer/ours'
    assert per_s['met'] is True
    assert report.redis_cost_bound(doc['params']) == pytest.approx(doc['bound_per_s'])
    per_hb = fig(doc, 'Redis commands per heartbeat sent')
    assert per_hb['met'] is True and per_hb['ratio'] == pytest.approx(287, abs=1)
    assert fig(doc, 'redis-benchmark ceiling SET EX (pipeline 16)')['met'] is None


def test_redis_cost_over_the_bound(results):
    doc = results['redis-cost']
    doc['hub']['redis_commands_per_s'] = 400.0  # bound 334/s, +10% +2
    assert fig(doc, 'Redis commands per second')['met'] is False
    assert fig(doc, 'Redis commands per heartbeat sent')['met'] is False


def test_redis_cost_notes_say_a_count_was_not_read(results):
    notes = report.findings(results['redis-cost']).notes
    assert any('the peer not read (saturated' in n for n in notes)


# ---- box -----------------------------------------------------------------------------------

def test_box(results):
    doc = results['box']
    held = fig(doc, 'agents online the whole hold (minimum seen)')
    assert (held['ours'], held['met']) == (100000, True)
    assert fig(doc, 'Redis commands per agent per minute')['met'] is True


def test_box_short_hold_is_not_the_target(results):
    doc = results['box']
    doc['params']['hold_s'] = 300
    held = fig(doc, 'agents online the whole hold (minimum seen)')
    assert held['met'] is False and held['target'].startswith('100000 for 300 s')
    doc = copy.deepcopy(load('box'))
    doc['hub']['min_online'] = 99999
    assert fig(doc, 'agents online the whole hold (minimum seen)')['met'] is False


# ---- the results document ------------------------------------------------------------------

def test_document_shape(results):
    old = results['reconnect']
    data = {k: old[k] for k in ('hub', 'peer_ws')}
    doc = report.document('reconnect', True, {'agents': 300}, old['machine'], data, date='2026-12-01 10:00:00 UTC')
    assert list(doc)[:9] == ['scenario', 'quick', 'date', 'command', 'params', 'machine', 'figures', 'notes', 'hub']
    assert doc['command'] == 'bench/run --quick reconnect'
    assert doc['figures'][0]['name'] == 'all online again after restart'
    json.dumps(doc)  # JSON as it is
    assert report.document('reconnect', False, {}, {}, data)['command'] == 'bench/run reconnect'


def test_summary_lines(results):
    doc = dict(results['redis-cost'], notes=['n1'])
    doc['figures'] = report.findings(doc).figures
    lines = report.summary_lines(doc)
    assert any('ratio=222 (peer/ours)' in line and line.endswith('-> met') for line in lines)
    assert lines[-1] == '  note: n1'
    lines = report.summary_lines(results['fanout'])
    assert lines[0].endswith('-> missed, out of reach here')
