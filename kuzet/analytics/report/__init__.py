"""Period reports (a year, a month, any dates) in ru, kk or en: build.py assembles the figures from the
analytics engine into plain data (model.py), text.py words them, and html.py, xlsx.py and pdf.py lay them
out (charts.py draws the charts). service.py makes a report file for api.py (`/api/v1/analytics/report`)
and cli.py (`kuzet report`).
"""
