"""box --agents: the layout it computes and the costs per agent report.py derives."""
import copy
import dataclasses

import pytest

from benchkit import report
from benchkit.scenarios import box
from benchkit.settings import Settings
from conftest import load


def settings(**kw):
    return dataclasses.replace(Settings.from_env({}), **kw)


def test_a_million_agents_take_53_hubs_and_generators():
    p = box.params(False, settings(agents=1000000))
    assert (p.agents, p.hubs, p.generators, p.sources) == (1000000, 53, 53, 20)
    assert max(box.agents_of(p, i)[1] for i in range(p.generators)) <= box.PER_PROCESS
    assert sum(box.agents_of(p, i)[1] for i in range(p.generators)) == 1000000
    assert (p.hold_s, p.heartbeat_s) == (600, 30)


def test_without_agents_the_box_is_as_before():
    assert box.params(False, settings()) == box.FULL
    assert box.params(True, settings()) == box.QUICK


def test_box_seconds_still_set_the_hold():
    p = box.params(False, settings(agents=200000, box_seconds=60))
    assert (p.hubs, p.hold_s, p.peer_hold_s) == (11, 60, 60)


def test_sources_round_robin_over_twenty():
    p = box.params(False, settings(agents=1000000))
    assert [box.source(i, p) for i in (0, 1, 19, 20, 52)] == ['127.0.0.2', '127.0.0.3', '127.0.0.21', '127.0.0.2',
                                                              '127.0.0.14']


KERNEL0 = {'sockets_used': 1000, 'tcp_mem_pages': 100, 'Slab_kib': 300000, 'SUnreclaim_kib': 50000,
           'MemAvailable_kib': 20000000, 'files_open': 3000}


def side(n=1000, **kw):
    k1 = dict(KERNEL0, sockets_used=1000 + 2 * n, tcp_mem_pages=100 + n, Slab_kib=300000 + 4 * n,
              SUnreclaim_kib=50000 + 2 * n)
    return {'online_at_start': n, 'min_online': n, 'online_at_end': n, 'seconds': 600, 'failures': 0,
            'server_cpu_cores': 0.1, 'rss_mib_total': 100, 'connect_s': 10, 'redis_commands_per_agent_minute': 2,
            'rss_before_kib': 10000, 'rss_connected_kib': 10000 + 1.5 * n, 'generators_rss_kib': 6 * n,
            'kernel_before': KERNEL0, 'kernel_connected': k1, 'redis_used_memory_before': 1000000,
            'redis_used_memory_connected': 1000000 + 200 * n, 'machine_cores': {'user': 0.5, 'kernel': 0.3},
            **kw}


def test_box_costs():
    c = report.box_costs(side())
    assert c['rss_per_agent_kib'] == pytest.approx(1.5)
    assert c['sockets'] == 2000
    assert c['tcp_mem_per_socket_b'] == pytest.approx(4096 / 2)
    assert c['slab_per_socket_b'] == pytest.approx(4 * 1024 / 2)
    assert c['unreclaimable_slab_per_socket_b'] == pytest.approx(1024)
    assert c['redis_per_agent_b'] == pytest.approx(200)


def test_box_costs_of_nothing_online():
    assert all(v is None for v in report.box_costs({'online_at_start': 0}).values())


def doc():
    d = load('box')
    d = copy.deepcopy(d)
    d['params'] = dict(d['params'], agents=1000, hold_s=600)
    d['hub'], d['peer_ws'] = side(), side()
    return d


def test_box_figures_with_costs():
    figs = {f['name']: f for f in report.box(doc()).figures}
    assert figs['server RSS per agent']['ours'] == pytest.approx(1.5)
    assert figs['Redis memory per agent online']['ours'] == pytest.approx(200)
    assert figs['machine CPU over the hold (user + kernel)']['ours'] == pytest.approx(0.8)
    assert all(f['met'] is None for f in figs.values() if f['target'].startswith('(context'))


def test_box_a_side_that_stopped_short_is_noted_with_the_count():
    d = doc()
    d['peer_ws'] = {'error': "RuntimeError('ws: memory available fell to 1.40 GiB')", 'online_at_start': 612000,
                    'min_online': 612000, 'online_at_end': None, 'redis_commands_per_agent_minute': None,
                    'seconds': 0, 'failures': None, 'server_cpu_cores': None, 'rss_mib_total': 9000,
                    'kernel_before': KERNEL0, 'kernel_connected': dict(KERNEL0, MemAvailable_kib=1400000)}
    found = report.box(d)
    figs = {f['name']: f for f in found.figures}
    assert figs['agents online the whole hold (minimum seen)']['peer'] == 612000
    assert any('stopped at 612,000 of 1,000 online' in n and 'memory available' in n for n in found.notes)


def test_box_failed_connects_are_noted_with_their_error():
    d = doc()
    d['hub'] = side(connect_failures=12, connect_errors=['connect: Too many open files'])
    assert any('12 failed connects (connect: Too many open files)' in n for n in report.box(d).notes)
