"""gunicorn settings for `make serve`, the Docker image and the benchmark.

Threads keep connections alive and let a worker wait on PostgreSQL while another request runs;
WEB_CONCURRENCY and GUNICORN_THREADS tune them (the benchmark in the README measured the choice).
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# gthread, taking turns at accepting connections (shipskip/gunicorn_worker.py).
worker_class = "shipskip.gunicorn_worker.FairThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# ... of which this many run requests at once; the others are votes waiting for their batch
# (shipskip/running.py). Measured by `make bench`: 8 threads, 4 running.
running_threads = int(os.environ.get("GUNICORN_RUNNING_THREADS", "4"))
# A worker finishes its in-flight requests after SIGTERM before it exits.
graceful_timeout = 30
timeout = 30
keepalive = 5
# One listening socket shared by the workers. reuse_port (a socket per worker) spread wrk's
# keep-alive connections more evenly, but a worker closing its own socket on SIGTERM reset the
# connections still waiting in it: `make faults` lost requests written before the signal.
# Recycle workers now and then so slow leaks cannot grow without bound, but rarely: a new
# worker starts with an empty page cache (measured: 5000 meant a restart every 15-20 s under
# load, and p99 spikes with it).
max_requests = 200_000
max_requests_jitter = 20_000
# Django logs one line per request itself (shipskip.middleware.RequestLogMiddleware).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
control_socket_disable = True


def post_worker_init(worker):
    """Each worker keeps the page cache's versions in memory, told of changes by PostgreSQL."""
    import gc

    from comparisons.changefeed import start_if_enabled

    start_if_enabled()
    if hasattr(worker, "limit_running"):  # not with another worker class (-k)
        worker.limit_running(running_threads)
    # Everything loaded so far (Django, the apps, the URLconf) lives as long as the worker:
    # keep it out of the cyclic collector's sweeps, whose full passes over it stalled requests.
    gc.collect()
    gc.freeze()


def worker_exit(server, worker):
    """Count changes the worker has not announced yet go out before it ends (a graceful stop
    finishes its requests first)."""
    from comparisons.changefeed import announcer

    announcer.stop()
