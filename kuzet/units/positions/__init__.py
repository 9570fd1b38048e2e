"""Unit positions (AVL): GPS fixes and the rules they must meet (domain.py), the last known fix of each unit
and the track of every fix (store.py), taking batches of fixes and reading where units are (service.py),
and their routes (api.py). Fixes sent over MQTT are read by `kuzet/units/mqtt.py`.
"""
