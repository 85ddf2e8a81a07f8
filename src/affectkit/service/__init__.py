"""``affectkit serve``: the pipeline behind a job API and a web page, for a team.

``store`` (jobs in SQLite or PostgreSQL, leases), ``files`` (uploads by content, results),
``runner`` (one job through the pipeline), ``worker`` (the processes that run jobs),
``predict`` (synchronous short-text predictions in a process pool), ``app`` (the HTTP API),
``serve`` (the server and its workers), ``page.html`` (the web page). Needs the ``service``
extra: pip install 'affectkit[service]'.
"""
