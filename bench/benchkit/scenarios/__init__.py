"""One module per scenario. Each has NAME, a Params dataclass with FULL and QUICK values,
params(quick, settings) and run(ctx, params) -> the measurements (the results JSON's own keys);
report.py turns those into figures."""
from . import bigcolony, box, fanout, flood, idle, idle_tls, reconnect, reconnect_tls, redis_cost, transitions, webhook

# The order of `bench/run all` and of the docs' table.
SCENARIOS = {m.NAME: m for m in (idle, idle_tls, flood, transitions, fanout, reconnect, reconnect_tls, redis_cost,
                                 box, bigcolony, webhook)}
