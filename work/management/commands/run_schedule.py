"""Run the scheduled jobs of work/: reminders, closing at the deadline, overdue
marks, missing reports. Loops every ``--interval`` seconds, or once.

Any number of schedulers may run (one per machine, or beside every worker):
each job runs once per object and occasion (see ``work.actions.schedule``).
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from work import actions

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
            try:
                done = actions.run_due_jobs()
            except Exception:
                logger.exception("run_schedule: a run failed")
                done = None
            if done and any(done.values()):
                logger.info("run_schedule: %s", done)
            if once:
                if done is not None:
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
