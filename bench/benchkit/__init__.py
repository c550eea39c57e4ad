"""The benchmarks' driver behind bench/run (docs/benchmarks.md).

settings    where things are and what the environment asks for
ports       the one allocator of the run's loopback ports, by name
processes   child processes under context managers, and the run context that owns them
servers     Redis, the hubs and the peers
generators  mi-loadgen and the Socket.IO clients, and their stdout protocol
measure     CPU, RSS, Redis INFO, metrics and stats of the processes measured
report      figures, targets, ratios and verdicts from a scenario's measurements; the results JSON
docs        the table of docs/benchmarks.md and the plots, from bench/results/*.json
scenarios   one module per scenario: its parameters and how it measures
"""
