"""The living demo ЦОУ: seed data, the demo world, a simulated past year, live traffic and simulated units.

seed.py      demo users, the first seven units, the Andorra map, the partner apps
agencies.py  fire 101, ambulance 103, gas 104 and 112, on loopback endpoints of the agency simulator
world.py     districts (Andorra's parishes), forty units with crews, their posts on the roads
history.py   one simulated past year of closed incidents (history_store.py writes it)
traffic.py   appeals through 102 and the partner apps at the hourly profile (profile.py, callers.py)
fleet.py     simulated units working every active assignment; dispatcher.py sends the waiting ones
runner.py    traffic and fleet in one loop on demo time; live.py sets it up; cli.py: the commands

The package imports none of its modules: `kuzet.demo.cli` is imported by every `kuzet` command, and the demo's
parts (and the whole running Kuzet they build on) load only when a demo command runs. Import from the modules.
"""
