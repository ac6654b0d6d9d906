"""This process's figures in the Prometheus text format, at ``/metrics``.

A few counters, histograms and gauges written without a client library: the
format is a handful of lines (``# HELP``, ``# TYPE``, ``name{labels} value``),
and the project needs no more than that. Parts of the project declare their
metrics here (:func:`histogram`, :func:`counter`) and register *collectors*,
functions called at each scrape that return gauge values read from live state
(sockets in the hub, tasks waiting in the database).

Every web process keeps its own figures: a scraper reads each process on its
own port (docs/deployment.md). The endpoint answers only the addresses of
``METRICS_ALLOWED_IPS`` (the client address as ``TRUSTED_PROXIES`` resolve
it); anyone else gets the site's 404, as for any page that does not exist.

Nothing here imports another app; it needs Django only inside :func:`view`.
"""

from __future__ import annotations

import bisect
import ipaddress
import logging
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: Buckets (seconds) for latencies from a millisecond to a minute.
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    """One gauge value a collector reports."""

    name: str
    help: str
    value: float
    labels: dict[str, str] | None = None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    body = ",".join(f'{k}="{_escape(str(v))}"' for k, v in pairs)
    return "{" + body + "}" if body else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


class Counter:
    """A total that only grows, per set of labels."""

    kind = "counter"

    def __init__(self, name: str, help: str) -> None:
        self.name, self.help = name, help
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def lines(self) -> list[str]:
        with self._lock:
            values = dict(self._values)
        return [f"{self.name}{_labels(k)} {_number(v)}" for k, v in values.items()]


class Histogram:
    """Observations counted in cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(
        self, name: str, help: str, buckets: Sequence[float] = LATENCY_BUCKETS
    ) -> None:
        self.name, self.help = name, help
        self.buckets = tuple(sorted(buckets))
        self._series: dict[Labels, list[float]] = {}  # counts..., sum, count
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        index = bisect.bisect_left(self.buckets, value)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = [0.0] * (len(self.buckets) + 2)
            if index < len(self.buckets):
                series[index] += 1
            series[-2] += value
            series[-1] += 1

    def lines(self) -> list[str]:
        with self._lock:
            copies = {k: list(v) for k, v in self._series.items()}
        out = []
        for key, series in copies.items():
            running = 0.0
            for bound, n in zip(self.buckets, series, strict=False):
                running += n
                le = (*key, ("le", _number(bound)))
                out.append(f"{self.name}_bucket{_labels(le)} {_number(running)}")
            inf = (*key, ("le", "+Inf"))
            out.append(f"{self.name}_bucket{_labels(inf)} {_number(series[-1])}")
            out.append(f"{self.name}_sum{_labels(key)} {_number(series[-2])}")
            out.append(f"{self.name}_count{_labels(key)} {_number(series[-1])}")
        return out


_METRICS: dict[str, Counter | Histogram] = {}
_COLLECTORS: list[Callable[[], Iterable[Sample]]] = []
_REGISTRY_LOCK = threading.Lock()


def _declare(metric: Counter | Histogram) -> Counter | Histogram:
    with _REGISTRY_LOCK:
        known = _METRICS.get(metric.name)
        if known is not None:
            return known  # a module imported twice (tests) keeps one series
        _METRICS[metric.name] = metric
        return metric


def counter(name: str, help: str) -> Counter:
    """Declare (or get) the counter ``name``."""
    return _declare(Counter(name, help))  # type: ignore[return-value]


def histogram(
    name: str, help: str, buckets: Sequence[float] = LATENCY_BUCKETS
) -> Histogram:
    """Declare (or get) the histogram ``name``."""
    return _declare(Histogram(name, help, buckets))  # type: ignore[return-value]


def register(collector: Callable[[], Iterable[Sample]]) -> None:
    """Call ``collector`` at every scrape for gauge values (once per function)."""
    with _REGISTRY_LOCK:
        if collector not in _COLLECTORS:
            _COLLECTORS.append(collector)


def task_queue() -> list[Sample]:
    """Background tasks waiting and running, per queue (database backend only).

    One query at each scrape; the same for every process (it is the database's
    figure), so a dashboard takes it from any one of them.
    """
    from django.conf import settings

    if getattr(settings, "TASK_BACKEND", "") != "database":
        return []
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = (
        DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
        .values_list("queue_name", "status")
        .annotate(n=Count("id"))
    )
    names = {"READY": "nghisu_tasks_queued", "RUNNING": "nghisu_tasks_running"}
    helps = {
        "READY": "Background tasks waiting for a worker, by queue.",
        "RUNNING": "Background tasks being run by a worker, by queue.",
    }
    found = {(queue, status): n for queue, status, n in rows}
    queues = sorted({q for q, _ in found} | set(settings.TASKS["default"]["QUEUES"]))
    return [
        Sample(names[status], helps[status], found.get((q, status), 0), {"queue": q})
        for status in ("READY", "RUNNING")
        for q in queues
    ]


def exposition() -> str:
    """Every metric of this process in the text format (version 0.0.4)."""
    out: list[str] = []
    for metric in list(_METRICS.values()):
        out.append(f"# HELP {metric.name} {metric.help}")
        out.append(f"# TYPE {metric.name} {metric.kind}")
        out.extend(metric.lines())
    gauges: dict[str, list[Sample]] = {}
    for collector in [*_COLLECTORS, task_queue]:
        try:
            for sample in collector():
                gauges.setdefault(sample.name, []).append(sample)
        except Exception:
            logger.warning("metrics: collector %r failed", collector, exc_info=True)
    for name, samples in gauges.items():
        out.append(f"# HELP {name} {samples[0].help}")
        out.append(f"# TYPE {name} gauge")
        for s in samples:
            labels = sorted((s.labels or {}).items())
            out.append(f"{name}{_labels(labels)} {_number(s.value)}")
    return "\n".join(out) + "\n"


def address_allowed(address: str | None, allowed: Iterable[str]) -> bool:
    """Return whether ``address`` is in one of the networks ``allowed``."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def view(request):
    """``GET /metrics``: the exposition, for allowed addresses only (else 404)."""
    from django.conf import settings
    from django.http import Http404, HttpResponse
    from django.utils.module_loading import import_string

    client_ip = import_string(settings.AXES_CLIENT_IP_CALLABLE)
    if request.method not in ("GET", "HEAD") or not address_allowed(
        client_ip(request), settings.METRICS_ALLOWED_IPS
    ):
        raise Http404
    response = HttpResponse(
        exposition(), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response
