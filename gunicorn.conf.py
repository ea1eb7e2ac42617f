"""gunicorn's settings for the web service: read by gunicorn itself from the working directory.

docker-compose.yml and the Dockerfile start `gunicorn mobilize_sync.wsgi:application` in /app, and
bench/redirect_load.py starts the same command in the checkout, so the load measured in the README
("Load on /l/<code>") is the load the web service takes. Each setting can be changed from the
environment (or on gunicorn's command line, which wins).

Two processes of four threads each (gthread): on the 2-core machine this served the short-link
redirect at least as fast as 2 or 3 sync workers, and a thread waiting on a slow phone's request,
or a connection kept alive between requests, does not hold a whole process as it would with sync
workers. More cores: raise WEB_CONCURRENCY to about one process per core.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# gunicorn's own variable for the number of worker processes.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
