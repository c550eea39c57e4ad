"""The text parsers of measure.py and the port allocator (no process, no socket)."""
import pytest

from benchkit import measure
from benchkit.ports import PortAllocator


def test_parse_metrics():
    text = '# HELP x\n# TYPE x counter\nmi_ws_messages_in_total 77262784\nmi_x{shard="0"} 1.5\n\n'
    assert measure.parse_metrics(text) == {'mi_ws_messages_in_total': 77262784.0, 'mi_x{shard="0"}': 1.5}


def test_commandstats_and_total():
    text = ('# Commandstats\r\ncmdstat_set:calls=20036,usec=1,usec_per_call=0.1\r\n'
            'cmdstat_info:calls=3,usec=1\r\ncmdstat_evalsha:calls=66,usec=9\r\ncmdstat_ping:calls=7,usec=1\r\n')
    stats = measure.parse_commandstats(text)
    assert stats == {'set': 20036, 'info': 3, 'evalsha': 66, 'ping': 7}
    assert measure.commands_total(stats) == 20102


def test_machine_split():
    # user nice system idle iowait irq softirq steal, in ticks of 1/100 s, over 2 s
    split = measure.machine_split([0] * 8, [50, 10, 30, 80, 20, 0, 10, 0], 2.0, tick=100)
    assert split == pytest.approx({'user': 0.3, 'kernel': 0.2, 'idle': 0.5, 'steal': 0.0})


def test_redis_benchmark_output():
    text = ('SET: rps=0.0 (overall: nan) avg_msec=nan (overall: nan)\r'
            'SET: 555555.56 requests per second, p50=0.383 msec\n'
            'GET: 666666.69 requests per second, p50=0.311 msec\n')
    assert measure.parse_redis_benchmark(text) == {'SET': 555555.56, 'GET': 666666.69}
    one = 'SET presence:__rand_int__ 1700000000000 EX 120: 74664.03 requests per second, p50=0.6 msec\n'
    assert measure.last_requests_per_second(one) == 74664.03
    assert measure.last_requests_per_second('') is None


def test_read_patiently_retries_until_an_answer():
    answers = iter([TimeoutError('timed out'), TimeoutError('timed out'), 42])

    def read(timeout):
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a
    r = measure.read_patiently(read, deadline_s=10, pause_s=0)
    assert (r.ok, r.value, r.attempts) == (True, 42, 3)


def test_read_patiently_gives_up_with_the_error():
    def read(timeout):
        raise TimeoutError('timed out')
    r = measure.read_patiently(read, deadline_s=0.05, pause_s=0.01)
    assert not r.ok and r.value is None and 'TimeoutError' in r.error and r.attempts >= 1


def test_ports_by_name():
    busy = {17001, 17003}
    ports = PortAllocator(17000, is_free=lambda p: p not in busy)
    assert ports('redis') == 17000
    assert ports('hub') == 17002      # 17001 is taken by something else
    assert ports('redis') == 17000    # the same name, the same port
    assert ports.many('floor', 2) == [17004, 17005]
    assert ports.allocated == {'redis': 17000, 'hub': 17002, 'floor-0': 17004, 'floor-1': 17005}


def test_ports_run_out():
    ports = PortAllocator(65534, is_free=lambda p: False)
    with pytest.raises(RuntimeError):
        ports('x')


MALLOC_STATS = '''a log line of the hub
Arena 0:
system bytes     =    1216512
in use bytes     =     499168
Arena 1:
system bytes     =     135168
in use bytes     =       3056
Total (incl. mmap):
system bytes     =     823296
in use bytes     =     513824
max mmap regions =          0
max mmap bytes   =          0
'''


def test_malloc_stats_total_in_use():
    assert measure.parse_malloc_stats(MALLOC_STATS) == 513824
    # The last total counts: the log holds one per call.
    assert measure.parse_malloc_stats(MALLOC_STATS + MALLOC_STATS.replace('513824', '900000')) == 900000
    assert measure.parse_malloc_stats('no stats here\n') is None
