"""Response-time analytics (DESIGN §5): interval statistics, counts, period reports and the historical import.

domain.py     what an interval is, what is counted, the shapes of the answers
service.py    the use cases: statistics and counts within the asker's district; the snapshot's refresh
api.py        the routes (schemas.py: their shapes)
snapshot/     the columnar snapshot of live and imported incidents, refreshed from the operational store
intervals/    the engine over the snapshot: DuckDB facts and counts, exact interval statistics in numba
report/       period reports in ru, kk or en as HTML, XLSX or PDF, over HTTP and `kuzet report`
cad/          `kuzet import-cad`: another CAD's export loaded through a mapping into imported incidents
"""
