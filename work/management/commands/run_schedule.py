"""Run the scheduled jobs: those of work/ (reminders, closing at the deadline,
overdue marks, missing reports) and the recovery of document processing whose
worker died (``documents.processing.recover_stale_versions``). Loops every
``--interval`` seconds, or once.

Any number of schedulers may run (one per machine, or beside every worker):
each job runs once per object and occasion (see ``work.actions.schedule``), and
a dead attempt is requeued by one scheduler only.
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from documents import processing
from work import actions

#: Each returns how many objects it handled, by name; one failing skips no other.
JOBS = (actions.run_due_jobs, processing.recover_stale_versions)

logger = logging.getLogger("work.schedule")


class Command(BaseCommand):
    help = "Run due reminders, closings and overdue marks (loop, or --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run once and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between runs (default 60).",
        )

    def handle(self, *args, once: bool = False, interval: float = 60.0, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            logger.info("run_schedule: every %.0f s", interval)
        while True:
            done = {}
            for job in JOBS:
                try:
                    done.update(job())
                except Exception:
                    logger.exception("run_schedule: %s failed", job.__name__)
            if any(done.values()):
                logger.info("run_schedule: %s", done)
            if once:
                self.stdout.write(" ".join(f"{k}={v}" for k, v in done.items()))
                return
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(min(1.0, interval - slept))
                slept += 1.0
            if stopping:
                logger.info("run_schedule: stopped")
                return
            close_old_connections()  # a long-lived process: drop dead connections
