"""The query engine over the snapshot: engine.py keeps a DuckDB facts table (the SQL in sql.py) that answers
counts, and the same rows as numpy columns (columns.py) for exact interval statistics, computed without
sorting by stats.py from the passes of passes.py and their numba kernels in kernel.py.
"""
