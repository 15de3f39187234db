"""The queue benchmark (``make bench``): a large data set in PostgreSQL and the figures.

Not part of the application and never imported by it. ``python -m bench`` creates the
database if missing, migrates it, loads the data set once (``bench.load_data``) and measures
the agent queue (``bench.queue_bench``). Results and method are kept in docs/benchmarks.md.
"""
