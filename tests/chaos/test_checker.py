"""The chaos check's invariants on made-up observations: each must fail on the defect it names
and pass on a clean record. No process, no socket (`/usr/bin/python3 -m pytest tests/chaos`)."""
import copy
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from chaoskit import checker  # noqa: E402
from chaoskit.faults import schedule  # noqa: E402


def ev(seq, event, agent, status=None, reason=None, invite=None, epoch=None):
    status = status or {'join': 'online', 'online': 'online', 'offline': 'offline', 'clone': 'offline'}[event]
    return {'seq': seq, 'epoch': epoch, 'event': event, 'agent': agent, 'status': status, 'reason': reason,
            'invite': invite}


def conn(start_seq, events, kind='snapshot', epoch=None, agents=None):
    start = {'kind': kind, 'seq': start_seq, 'epoch': epoch}
    if kind == 'snapshot':
        start['agents'] = agents or {}
    return {'asked': {}, 'start': start, 'events': events, 'end': None}


def clean():
    """Two agents in one colony, two hubs: a joins, closes, comes back; b joins and closes for good."""
    history = [ev(1, 'join', 'a', invite='AAAAAA'), ev(2, 'join', 'b', invite='BBBBBB'),
               ev(3, 'offline', 'a', reason='closed'), ev(4, 'online', 'a'), ev(5, 'offline', 'b', reason='closed')]
    listed = {'a': {'status': 'online', 'invite': 'AAAAAA'}, 'b': {'status': 'offline', 'invite': 'BBBBBB'}}
    return {
        'welcomes': [{'code': 'AAAAAA', 'agent': 'a', 'colony': 'c', 'hub': 1, 't': 1},
                     {'code': 'BBBBBB', 'agent': 'b', 'colony': 'c', 'hub': 2, 't': 1}],
        'told': [{'agent': 'a', 'colony': 'c', 'via': 'welcome', 't': 1},
                 {'agent': 'b', 'colony': 'c', 'via': 'welcome', 't': 1}],
        'refusals': [],
        'agents': [{'colony': 'c', 'id': 'a', 'final': 'online', 'downs': 1},
                   {'colony': 'c', 'id': 'b', 'final': 'offline', 'downs': 1}],
        'watchers': [{'colony': 'c', 'hub': '1', 'connections': [conn(0, history)]},
                     {'colony': 'c', 'hub': '2', 'connections': [conn(0, history[:2]), conn(2, history[2:], 'resume')]}],
        'final_lists': {'c': {'1': copy.deepcopy(listed), '2': copy.deepcopy(listed)}},
        'recheck': [{'colony': 'c', 'code': 'AAAAAA', 'reply': 'invalid_code'},
                    {'colony': 'c', 'code': 'BBBBBB', 'reply': 'invalid_code'}],
        'status': {'matched_at': 1.5, 'settle_s': 45, 'mismatches': []},
    }


def failed(obs):
    return [r['name'] for r in checker.check(obs) if not r['passed']]


def test_a_clean_record_passes():
    assert failed(clean()) == []


def test_two_welcomes_for_one_code():
    obs = clean()
    obs['welcomes'].append({'code': 'AAAAAA', 'agent': 'a-2', 'colony': 'c', 'hub': 2, 't': 2})
    assert failed(obs) == ['no code redeemed twice']


def test_a_code_redeemable_again_at_the_end():
    obs = clean()
    obs['recheck'][0]['reply'] = 'welcome'
    assert set(failed(obs)) == {'no code redeemed twice', 'no welcome undone'}


def test_two_join_events_for_one_code():
    obs = clean()
    obs['watchers'][0]['connections'][0]['events'].append(ev(6, 'join', 'z', invite='aaaaaa'))
    assert 'no code redeemed twice' in failed(obs)


def test_a_welcomed_agent_missing_from_a_list():
    obs = clean()
    del obs['final_lists']['c']['2']['b']
    assert 'no welcome undone' in failed(obs)


def test_a_clone_lost():
    obs = clean()
    obs['told'].append({'agent': 'a-2', 'colony': 'c', 'via': 'cloned', 't': 2})
    assert failed(obs) == ['no cloned agent undone']
    obs['refusals'].append({'agent': 'a-2', 'colony': 'c', 'hub': 1, 't': 3})
    r = checker.clone_never_undone(obs)
    assert r['violation_count'] == 3 and 'refused' in r['violations'][-1]


def test_answers_given_before_a_replica_held_them_are_not_promised():
    # A clone and a welcome a hub logged as answered before a replica held them, then lost in a
    # failover: the contract promises neither, and they are counted apart.
    obs = clean()
    obs['told'].append({'agent': 'a-2', 'colony': 'c', 'via': 'cloned', 't': 2})
    obs['refusals'].append({'agent': 'a-2', 'colony': 'c', 'hub': 1, 't': 3})
    obs['refusals'].append({'agent': 'b', 'colony': 'c', 'hub': 1, 't': 3})
    obs['recheck'][1]['reply'] = 'welcome'
    assert set(failed(obs)) == {'no cloned agent undone', 'no welcome undone', 'no code redeemed twice'}
    obs['unreplicated'] = [{'via': 'cloned', 'colony': 'c', 'agent': 'a-2'}, {'via': 'welcome', 'code': 'BBBBBB'}]
    assert failed(obs) == []
    assert checker.clone_never_undone(obs)['unreplicated'] == 1
    assert checker.welcome_never_undone(obs)['unreplicated'] == 1


def test_a_token_refused():
    obs = clean()
    obs['refusals'].append({'agent': 'a', 'colony': 'c', 'hub': 1, 't': 3})
    assert failed(obs) == ['no welcome undone']


def test_a_gap_and_a_repeat():
    obs = clean()
    events = obs['watchers'][0]['connections'][0]['events']
    del events[2]
    r = checker.seq_no_gap_or_repeat(obs)
    assert not r['passed'] and 'gap' in r['violations'][0]
    obs = clean()
    events = obs['watchers'][0]['connections'][0]['events']
    events.insert(2, dict(events[1]))
    r = checker.seq_no_gap_or_repeat(obs)
    assert not r['passed'] and 'repeat' in r['violations'][0]


def test_a_resume_or_snapshot_resets_the_expected_seq():
    obs = clean()
    obs['watchers'][1]['connections'].append(conn(40, [ev(41, 'offline', 'a')], 'snapshot', agents={'a': 'online'}))
    assert checker.seq_no_gap_or_repeat(obs)['passed']


def test_epochs_split_the_stream():
    obs = clean()
    c = conn(0, [ev(1, 'join', 'a', epoch='e1'), ev(2, 'join', 'b', epoch='e1'), ev(1, 'offline', 'a', epoch='e2')],
             epoch='e1')
    obs['watchers'][0]['connections'] = [c]
    r = checker.seq_no_gap_or_repeat(obs)
    assert not r['passed'] and 'epoch' in r['violations'][0]


def test_one_seq_two_events():
    obs = clean()
    obs['watchers'][1]['connections'][1]['events'][0] = ev(3, 'offline', 'b', reason='closed')
    assert 'one event per seq across watchers' in failed(obs)


def test_the_final_status_never_matched():
    obs = clean()
    obs['status'] = {'matched_at': None, 'settle_s': 45, 'mismatches': ['c agents list of 1: b is online, truth offline']}
    assert failed(obs) == ['final status equals the truth within the settle time']


def test_status_mismatches():
    obs = clean()
    assert checker.status_mismatches(obs['agents'], obs['final_lists'], {('c', '1'): {'a': 'online', 'b': 'offline'}}) == []
    lists = copy.deepcopy(obs['final_lists'])
    lists['c']['1']['b']['status'] = 'online'
    lists['c']['1']['ghost'] = {'status': 'online', 'invite': 'GGGGGG'}  # an agent of a lost onboard: offline
    out = checker.status_mismatches(obs['agents'], lists, {('c', '2'): {'a': 'offline'}})
    assert out == ['c agents list of 1: b is online, truth offline', 'c agents list of 1: ghost is online, truth offline',
                   'c watcher on 2: a is offline, truth online', 'c watcher on 2: b missing (truth offline)']
    # An offline agent no hub lists (gone with a lost write) is the undone invariants' business;
    # an online one must be listed.
    for listed in lists['c'].values():
        del listed['b']
    out = checker.status_mismatches(obs['agents'], lists, {('c', '2'): {'a': 'online'}})
    assert out == ['c agents list of 1: ghost is online, truth offline']
    for listed in lists['c'].values():
        del listed['a']
    out = checker.status_mismatches(obs['agents'], lists, {})
    assert 'c agents list of 1: a missing (truth online)' in out


def test_an_offline_without_a_real_transition():
    obs = clean()
    obs['agents'][0]['downs'] = 0
    assert failed(obs) == ['at most one offline per real transition']


def test_two_offline_in_a_row():
    obs = clean()
    obs['agents'][1]['downs'] = 2
    for w in obs['watchers']:
        w['connections'][-1]['events'].append(ev(6, 'offline', 'b', reason='timeout'))
    r = checker.at_most_one_offline_per_transition(obs)
    assert not r['passed'] and 'already offline' in r['violations'][0]


def test_offline_counts_are_per_epoch():
    obs = clean()
    for w in obs['watchers']:
        w['connections'].append(conn(2, [ev(3, 'offline', 'a', reason='closed', epoch='e2')], 'snapshot', epoch='e2'))
    assert checker.at_most_one_offline_per_transition(obs)['passed']
    obs['watchers'][0]['connections'][-1]['events'].append(ev(4, 'offline', 'a', reason='timeout', epoch='e2'))
    assert not checker.at_most_one_offline_per_transition(obs)['passed']


def test_a_hole_in_the_merged_history_is_not_a_double_offline():
    obs = clean()
    obs['agents'][1]['downs'] = 2
    obs['watchers'][0]['connections'].append(conn(9, [ev(10, 'offline', 'b')], 'snapshot'))
    assert checker.at_most_one_offline_per_transition(obs)['passed']


def test_the_schedule_is_the_seed():
    a, b = schedule(42, 120, 'sentinel'), schedule(42, 120, 'sentinel')
    assert a == b and a != schedule(43, 120, 'sentinel')
    assert {f['kind'] for f in schedule(1, 1800, 'plain')} == {'redis_stop', 'redis_kill', 'hub_kill', 'hub_term',
                                                                 'drop'}
    assert 'failover' in {f['kind'] for f in schedule(1, 1800, 'sentinel')}
