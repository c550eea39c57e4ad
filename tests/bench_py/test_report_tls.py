"""report.py for the TLS scenarios: the figures of idle-tls and reconnect-tls from their results
(copies in results/), and what they say when a count is missing or a storm did not end."""
import pytest

from benchkit import report


def by_name(doc):
    return {f['name']: f for f in report.findings(doc).figures}


def test_idle_tls_compares_the_tls_hub_with_the_peer_and_with_the_plain_hub(results):
    doc = results['idle-tls']
    figs = by_name(doc)
    ours, plain, peer = (doc[k]['rss_per_conn_kib'] for k in ('hub', 'hub_plain', 'peer_ws'))
    rss = figs['RSS growth per connection, TLS']
    assert (rss['ours'], rss['peer'], rss['met']) == (ours, peer, ours <= 0.3 * peer)
    assert figs['RSS growth per connection, TLS and plain']['peer'] == plain
    share = figs["OpenSSL's share per idle connection, RSS (TLS minus plain)"]
    assert share['ours'] == pytest.approx(ours - plain) and share['met'] is None
    heap = figs["OpenSSL's share per idle connection, heap in use (TLS minus plain)"]
    assert heap['ours'] == pytest.approx((report.heap_per_conn(doc['hub']) - report.heap_per_conn(doc['hub_plain']))
                                         / 1024)


def test_idle_tls_misses_when_the_hub_holds_more_than_a_third_of_the_peer(results):
    doc = results['idle-tls']
    doc['hub']['rss_per_conn_kib'] = doc['peer_ws']['rss_per_conn_kib'] * 0.31
    assert by_name(doc)['RSS growth per connection, TLS']['met'] is False


def test_idle_tls_heap_not_counted_says_why(results):
    doc = results['idle-tls']
    doc['hub']['heap_in_use'] = {'before': {'error': 'gdb missing'}, 'connected': {'error': 'gdb missing'}}
    assert by_name(doc)["OpenSSL's share per idle connection, heap in use (TLS minus plain)"]['ours'] is None
    assert 'heap in use not counted (gdb missing)' in report.findings(doc).notes
    del doc['hub']['heap_in_use'], doc['hub_plain']['heap_in_use']
    assert 'heap in use not counted (not asked)' in report.findings(doc).notes


def test_heap_per_connection():
    side = {'online': 4, 'heap_in_use': {'before': {'bytes': 1000}, 'connected': {'bytes': 9000}}}
    assert report.heap_per_conn(side) == 2000
    assert report.heap_per_conn({'online': 4}) is None


def test_reconnect_tls_cpu_per_reconnect(results):
    doc = results['reconnect-tls']
    figs = by_name(doc)
    r = doc['hub']['restart']
    row = figs['server CPU per reconnect after restart, TLS']
    assert row['ours'] == pytest.approx(r['server_cpu_s'] / r['welcomed'] * 1e6)
    assert row['unit'] == 'CPU-us'
    plain = doc['hub_plain']['restart']
    assert figs['hub CPU per reconnect after restart, TLS and plain']['peer'] == \
        pytest.approx(plain['server_cpu_s'] / plain['welcomed'] * 1e6)
    assert all(f['met'] is None for f in report.findings(doc).figures)  # no target was set for these


def test_reconnect_tls_notes_say_how_many_resumed(results):
    doc = results['reconnect-tls']
    notes = report.findings(doc).notes
    d = doc['hub_resume']['drop']
    assert any(n.startswith('mi-hub, TLS, tickets offered, drop:') and
               f"{d['tls_resumed']:,} of {d['tls_handshakes']:,} handshakes resumed" in n for n in notes)
    doc['hub_resume']['restart']['tls_resumed'] = 0
    assert any(n.startswith('mi-hub: no session offered to the restarted process resumed')
               for n in report.findings(doc).notes)
    doc['hub_resume']['restart']['tls_resumed'] = 5
    assert not any(n.startswith('mi-hub: no session') for n in report.findings(doc).notes)


def test_reconnect_tls_storm_not_over(results):
    doc = results['reconnect-tls']
    doc['peer_ws']['restart'] = {'all_online_s': None, 'server_cpu_s': 9.0, 'online_at_deadline': 12000,
                                 'stop_s': 0.1, 'server_start_s': 0.5}
    figs = by_name(doc)
    assert figs['all online again after restart, TLS']['peer'] is None
    assert figs['server CPU per reconnect after restart, TLS']['peer'] is None
    assert f"ws+ioredis on https, restart: 12,000 of {doc['peer_ws']['agents']:,} back by the deadline; " \
           "recorded as such" in report.findings(doc).notes
