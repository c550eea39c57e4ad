import json
import os
import sys

import pytest

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, 'results')  # copies of committed results, as they were
COMMITTED = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'bench', 'results')
SCENARIOS = ('idle', 'idle-tls', 'flood', 'transitions', 'fanout', 'reconnect', 'reconnect-tls', 'redis-cost', 'box', 'webhook')


def load(name, directory=RESULTS):
    with open(os.path.join(directory, name + '.json')) as f:
        return json.load(f)


@pytest.fixture
def results():
    """A fresh copy of every stored result, by scenario: tests may change them."""
    return {name: load(name) for name in SCENARIOS}


@pytest.fixture
def before():
    d = os.path.join(RESULTS, 'before')
    return {name[:-5]: load(name[:-5], d) for name in os.listdir(d)}
