"""gunicorn's threaded worker, taking turns at the shared listening socket.

Every worker waits on the same socket, and whichever wakes first takes the next connection.
When a client opens many keep-alive connections at once (a browser pool, nginx's upstream pool,
the benchmark's 32), one worker often took most of them (seen with ``ss -tnp``: 27 of 32, even
31) and then served them all from one core, behind one GIL, while the others idled: a fifth to a
third of the machine unused and a long latency tail. A worker that already holds a connection
per thread now pauses a moment after each further accept, so an idle worker gets the next one
(the same 32 connections then spread 7 to 15 per worker). Below that, and so at any ordinary
load, it accepts exactly as gunicorn's own worker does.

One shared socket stays: a socket per worker (``reuse_port``) spread connections too, but a
worker that stops resets the connections still queued on its socket (``make faults``).
"""

import time

from gunicorn.workers.gthread import ThreadWorker

# Long enough for a woken sibling to reach accept() on a busy two-core machine.
ACCEPT_PAUSE_SECONDS = 0.001


class FairThreadWorker(ThreadWorker):
    def accept(self, listener) -> None:
        super().accept(listener)
        if self.nr_conns > self.cfg.threads:
            time.sleep(ACCEPT_PAUSE_SECONDS)
