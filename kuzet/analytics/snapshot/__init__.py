"""The columnar snapshot that analytics queries read: one row per incident, live or imported, in Parquet base
and delta files under KUZET_DATA_DIR/analytics/ with a state naming them (files.py). columns.py defines the
rows; source.py reads what changed from the operational store without holding up intake.
"""
