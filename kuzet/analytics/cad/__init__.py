"""The historical CAD import (`kuzet import-cad`): another CAD system's export streamed through a TOML mapping
into imported incidents, kept apart from live ones, with a report of each import. It owns the
`cad_imports` and `imported_incidents` tables (tables.py), which the snapshot reads; importer.py is the use
case, cli.py the command, and mapping, source, rows, times and report the pure steps it is made of.
"""
