"""The TLS scenarios' own arithmetic (scenarios/reconnect_tls.py, idle_tls.py): how the agents are
split over the generators, and one storm's figures from the generators' lines (no process)."""
import pytest

from benchkit.scenarios import idle_tls, reconnect_tls


def test_generators_split_the_agents_and_the_source_addresses():
    p = reconnect_tls.FULL
    shares = [reconnect_tls.agents_of(p, i) for i in range(p.generators)]
    assert sum(n for _, n in shares) == p.agents
    assert shares[0] == (0, p.agents // p.generators)
    assert [reconnect_tls.sources_of(i, 2) for i in range(2)] == ['127.0.0.2,127.0.0.4', '127.0.0.3,127.0.0.5']
    assert reconnect_tls.sources_of(0, 1) == '127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5'


class Gen:
    def __init__(self, online):
        self.progress = {'online': online}


def test_a_storm_counts_what_happened_since_the_lines_before_it():
    ready = [{'online': 5, 'welcomes': 5, 'failures': 1, 'tls_handshakes': 5, 'tls_resumed': 0},
             {'online': 4, 'welcomes': 4, 'failures': 0, 'tls_handshakes': 4, 'tls_resumed': 0}]
    back = [{'t_ns': 3_000_000_000, 'storm_first_close_ns': 1_100_000_000, 'welcomes': 10, 'reconnects': 7,
             'failures': 3, 'tls_handshakes': 10, 'tls_resumed': 5},
            {'t_ns': 3_500_000_000, 'storm_first_close_ns': 1_000_000_000, 'welcomes': 8, 'reconnects': 4,
             'failures': 0, 'tls_handshakes': 8, 'tls_resumed': 4}]
    before = [reconnect_tls.counters(r) for r in ready]
    assert before[0]['reconnects'] == 0  # READY has none
    s = reconnect_tls.storm_result(back, before, 1.5, 1_000_000_000, [])
    assert s == {'all_online_s': pytest.approx(2.5), 'server_cpu_s': 1.5, 'welcomed': 9, 'attempts': 11,
                 'failed_attempts': 2, 'tls_handshakes': 9, 'tls_resumed': 9}


def test_a_storm_not_over_by_the_deadline_says_how_many_were_back():
    s = reconnect_tls.storm_result(None, [], 2.0, 0, [Gen(7), Gen(3)])
    assert s == {'all_online_s': None, 'server_cpu_s': 2.0, 'online_at_deadline': 10}
    assert reconnect_tls.describe(s) == 'not all back (10 online at the deadline)'


def test_quick_runs_are_small_and_do_not_stop_the_hub_for_its_heap():
    assert reconnect_tls.QUICK.agents <= 500 and reconnect_tls.QUICK.generators == 1
    assert idle_tls.QUICK.agents <= 500 and not idle_tls.QUICK.count_heap
    assert idle_tls.FULL.agents == reconnect_tls.FULL.agents == 19000
