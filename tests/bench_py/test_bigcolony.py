"""bigcolony: the Redis reply reader, the SLOWLOG and LATENCY readings, the kernel's counters,
and the figures report.py derives from a results document."""
import copy

import pytest

from benchkit import measure, report
from benchkit.scenarios import bigcolony

# ---- RESP ----------------------------------------------------------------------------------


def test_resp_command_is_an_array_of_bulk_strings():
    assert measure.resp_command('SLOWLOG', 'GET', -1) == b'*3\r\n$7\r\nSLOWLOG\r\n$3\r\nGET\r\n$2\r\n-1\r\n'


def test_parse_resp_nested_arrays_and_scalars():
    data = b'*3\r\n*2\r\n:7\r\n$5\r\nhello\r\n+OK\r\n$-1\r\n'
    assert measure.parse_resp(data) == ([[7, 'hello'], 'OK', None], len(data))


def test_parse_resp_error_is_a_value():
    v, _ = measure.parse_resp(b'-ERR unknown\r\n')
    assert isinstance(v, measure.RedisError) and v == 'ERR unknown'


@pytest.mark.parametrize('partial', [b'*2\r\n:1\r\n', b'$5\r\nhel', b'*1\r\n'])
def test_parse_resp_incomplete_raises_index_error(partial):
    with pytest.raises(IndexError):
        measure.parse_resp(partial)


# ---- SLOWLOG and LATENCY -------------------------------------------------------------------

SLOWLOG = [  # as SLOWLOG GET answers: id, unix time, µs, words, client, name
    [3, 1700000003, 120, ['GET', 'k'], '127.0.0.1:5000', ''],
    [2, 1700000002, 15300, ['EVALSHA', 'abcdef0123456789', '1', 'mi:bench:{c:big}:agents', 'x', 'y'], '127.0.0.1:5001',
     ''],
    [1, 1700000001, 900, ['EVALSHA', 'abcdef0123456789', '1', 'mi:bench:{c:big}:agents'], '127.0.0.1:5001', ''],
]


def test_slowlog_entries_longest_first():
    entries = measure.slowlog_entries(SLOWLOG)
    assert [e['us'] for e in entries] == [15300, 900, 120]
    assert entries[0]['command'] == 'evalsha'
    assert entries[0]['args'] == ['EVALSHA', 'abcdef0123456789', '1', 'mi:bench:{c:big}:agents']  # the first 4 words


def test_calls_summary_longest_and_per_command():
    latest = [['command', 1700000002, 15, 15]]
    s = measure.calls_summary(measure.slowlog_entries(SLOWLOG), latest, {'command': [[1700000002, 15]]}, 0)
    assert s['max_us'] == 15300 and s['logged'] == 3 and s['slower_than_us'] == 0
    assert s['max_by_command'] == {'evalsha abcdef0123456789': {'calls_logged': 2, 'max_us': 15300},
                                   'get': {'calls_logged': 1, 'max_us': 120}}
    assert s['latency_latest'] == latest


def test_calls_summary_of_nothing_logged():
    s = measure.calls_summary([], [], {}, 100)
    assert s['max_us'] is None and s['max_command'] is None and s['logged'] == 0


def test_latency_latest():
    assert measure.latency_latest([['command', 1700000002, 3, 15]]) == {
        'command': {'ts': 1700000002, 'latest_ms': 3, 'max_ms': 15}}


# ---- the kernel ----------------------------------------------------------------------------

SOCKSTAT = """sockets: used 2000345
TCP: inuse 2000012 orphan 0 tw 17 alloc 2000020 mem 51234
UDP: inuse 3 mem 2
"""


def test_parse_sockstat():
    assert measure.parse_sockstat(SOCKSTAT) == {'sockets_used': 2000345, 'tcp_inuse': 2000012, 'tcp_orphan': 0,
                                                'tcp_tw': 17, 'tcp_alloc': 2000020, 'tcp_mem_pages': 51234}


def test_parse_meminfo():
    text = 'MemTotal:       24683748 kB\nMemFree:  1 kB\nSlab:  301240 kB\nSUnreclaim:  48088 kB\n'
    assert measure.parse_meminfo(text) == {'MemTotal_kib': 24683748, 'Slab_kib': 301240, 'SUnreclaim_kib': 48088}


def test_parse_info():
    assert measure.parse_info('# Memory\r\nused_memory:1024\r\nratio:1.5\r\nname:x\r\n') == {
        'used_memory': 1024, 'ratio': 1.5, 'name': 'x'}


# ---- the scenario's layout -----------------------------------------------------------------

def test_spread_puts_the_victims_agents_first_on_their_hub():
    p = bigcolony.FULL
    out = bigcolony.spread(p, 100000, [1, 2, 3, 4, 5], 9, 19000)
    assert out[0] == (0, 19000, [9])
    assert sum(n for _, n, _ in out) == 100000
    assert all(n <= p.per_process for _, n, _ in out)
    assert [o for o, _, _ in out] == sorted(o for o, _, _ in out)
    assert all(ports == [1, 2, 3, 4, 5] for _, _, ports in out[1:])


def test_spread_without_a_victim():
    assert bigcolony.spread(bigcolony.FULL, 1000, [1], None, 0) == [(0, 1000, [1])]


# ---- report --------------------------------------------------------------------------------

def calls(max_us, words=('EVALSHA', 'abcdef0123', '1', 'mi:bench:{c:big-100000}:agents')):
    return {'calls': {'max_us': max_us, 'max_command': list(words), 'logged': 10, 'slower_than_us': 100}}


def size_doc(n, snapshot_us):
    return {'hubs': 6, 'connect': {'online': n, **calls(2000)},
            'snapshot': {'snapshot_ms': [30.0, 20.0, 25.0], 'median_ms': 25.0, 'bytes': [2048 * n // 10],
                         'parts': [max(1, n // 1000)], 'announced_parts': max(1, n // 1000), 'agents': [n],
                         'rss_before_kib': 10240, 'rss_peak_kib': 20480, 'rss_after_kib': 12288,
                         **calls(snapshot_us)}}


def peer(n, held=None):
    return {'servers': 6, 'held': n if held is None else held, 'median_ms': 400.0, 'bytes': 4096 * n,
            'fetches': [{'ms': 400.0, 'count': n, 'redis_input_bytes': 1000}], 'client_errors': []}


def doc():
    big = size_doc(100000, 8000)
    big.update(refresh=calls(3000), sweep={'victim_agents': 19000, 'online_before': 100000, 'online_after': 81000,
                                           'offline_s': 11.0, **calls(12000)})
    return {'scenario': 'bigcolony', 'params': {'sizes': [1000, 100000]}, 'hub_snapshot_parts_flag': True,
            'hub': {'1000': size_doc(1000, 500), '100000': big},
            'peer_socketio': {'1000': peer(1000), '100000': peer(100000, held=60000)}}


def test_bigcolony_figures():
    figs = {f['name']: f for f in report.bigcolony(doc()).figures}
    snap = figs['snapshot of 1,000 agents: watch to last part (median)']
    assert (snap['ours'], snap['peer'], snap['met']) == (25.0, 400.0, None)
    assert figs['snapshot bytes, 1,000 agents']['ours'] == pytest.approx(200)
    assert figs['hub RSS growth serving the snapshot (peak), 1,000 agents']['ours'] == 10
    # The target is judged at 100,000 only, per phase.
    assert figs['longest Redis call during the snapshot, 1,000 agents']['met'] is None
    assert figs['longest Redis call during the snapshot, 100,000 agents']['met'] is True
    assert figs['longest Redis call, agents connecting, 100,000 agents']['met'] is True
    assert figs['longest Redis call, heartbeat refresh batches, 100,000 agents']['ours'] == 3
    sweep = figs['longest Redis call, the sweep of a lost hub, 100,000 agents']
    assert (sweep['ours'], sweep['met']) == (12, False)


def test_bigcolony_peer_not_holding_the_count_is_not_compared():
    found = report.bigcolony(doc())
    figs = {f['name']: f for f in found.figures}
    assert figs['snapshot of 100,000 agents: watch to last part (median)']['peer'] is None
    assert any('held 60,000 of 100,000' in n for n in found.notes)
    assert any('EVALSHA abcdef01 mi:bench:{c:big-100000}:agents' in n for n in found.notes)


def test_bigcolony_below_100000_judges_nothing():
    d = doc()
    d['params']['sizes'] = [1000]
    del d['hub']['100000'], d['peer_socketio']['100000']
    assert all(f['met'] is None for f in report.bigcolony(d).figures)


def test_bigcolony_hub_without_parts_says_so():
    d = copy.deepcopy(doc())
    d['hub_snapshot_parts_flag'] = False
    assert any('no --snapshot-part-agents' in n for n in report.bigcolony(d).notes)


def test_bigcolony_agents_list_is_context():
    d = doc()
    d['hub']['1000']['list'] = {'seconds': 0.05, 'pages': 1, 'agents': 1000, 'bytes': 300000, 'limit': 1000,
                                **calls(700)}
    found = report.bigcolony(d)
    f = {x['name']: x for x in found.figures}['agents list over HTTP, every page, 1,000 agents']
    assert (f['ours'], f['met']) == (50, None)
    assert any('agents list in 1 page of up to 1,000' in n for n in found.notes)


def test_a_full_slowlog_is_flagged_and_noted():
    s = measure.calls_summary(measure.slowlog_entries(SLOWLOG), [], {}, 0, max_len=3)
    assert s['full'] is True
    assert measure.calls_summary(measure.slowlog_entries(SLOWLOG), [], {}, 0, max_len=10)['full'] is False
    d = doc()
    d['hub']['100000']['snapshot']['calls']['full'] = True
    assert any('100,000, snapshot: SLOWLOG was full' in n for n in report.bigcolony(d).notes)


def test_read_resp_reads_a_stream():
    import io
    f = io.BytesIO(b'*2\r\n$3\r\nabc\r\n:5\r\n+OK\r\n')
    assert measure.read_resp(f) == ['abc', 5]
    assert measure.read_resp(f) == 'OK'


def test_longest_except_leaves_out_the_measurements_own_scripts():
    s = measure.calls_summary(measure.slowlog_entries(SLOWLOG), [], {}, 0)
    assert measure.longest_except(s, {'evalsha abcdef0123456789'}) == (120, ['GET', 'k'])
    assert measure.longest_except(s, set())[0] == 15300
    assert measure.longest_except({'slowlog_top': []}, set()) == (None, None)


def test_bigcolony_peer_that_broke_is_recorded():
    d = doc()
    d['peer_socketio']['1000'] = {'size': 1000, 'servers': 1, 'connected': None, 'held': None, 'fetches': [],
                                  'median_ms': None, 'bytes': None, 'client_errors': ["RuntimeError('died')"]}
    found = report.bigcolony(d)
    assert any("held 0 of 1,000 over 1 processes (RuntimeError('died'))" in n for n in found.notes)
