"""``/metrics``: the Prometheus text format, for allowed addresses only."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from django.test import override_settings

from nghisu import metrics
from realtime.hub import get_hub
from tests.realtime.test_hub import FakeSocket

#: One sample line of the text format: name, optional labels, a number.
_SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r'(?P<labels>\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?'
    r" (?P<value>[-+]?(?:[0-9.]+(?:e[-+]?[0-9]+)?|Inf|NaN))$"
)


def parse(text: str) -> dict[str, list[tuple[str, float]]]:
    """Every sample by metric name; fail on any line that is not the format."""
    samples: dict[str, list[tuple[str, float]]] = {}
    types: dict[str, str] = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4, line
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"counter", "gauge", "histogram"}, line
            types[name] = kind
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name = match["name"]
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or base in types, f"{name} has no TYPE line"
        samples.setdefault(name, []).append(
            (match["labels"] or "", float(match["value"]))
        )
    return samples


@pytest.mark.django_db
def test_metrics_answer_the_local_address_in_the_text_format(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    parse(text)
    for name in (
        "nghisu_event_delivery_seconds",
        "nghisu_pdf_queue_seconds",
        "nghisu_pdf_job_seconds",
        "nghisu_sockets",
        "nghisu_rooms",
    ):
        assert f"# TYPE {name} " in text, name


@pytest.mark.django_db
def test_metrics_are_404_for_every_other_address(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    with override_settings(METRICS_ALLOWED_IPS=["10.1.0.0/16"]):
        assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_through_a_local_proxy_the_client_behind_it_decides(client):
    """nginx on the same machine connects from 127.0.0.1: the address it
    forwards is the one checked, so the world does not pass as local."""
    outside = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert outside.status_code == 404
    inside = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1"
    )
    assert inside.status_code == 200


@pytest.mark.django_db
@override_settings(TASK_BACKEND="database")
def test_task_queue_depth_is_counted_per_queue(client):
    from django_tasks_db.models import DBTaskResult

    from documents.tasks import prerender_version_task

    DBTaskResult.objects.create(
        task_path=prerender_version_task.module_path,
        args_kwargs={"args": [1], "kwargs": {}},
        queue_name="pdf",
        backend_name="default",
        run_after=None,
    )
    samples = parse(client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode())
    queued = dict(samples["nghisu_tasks_queued"])
    assert queued['{queue="pdf"}'] == 1 and queued['{queue="default"}'] == 0


async def test_hub_sockets_rooms_and_delivery_latency_are_reported():
    before = parse(metrics.exposition()).get("nghisu_event_delivery_seconds_count")
    before = dict(before or []).get('{kind="room"}', 0)
    hub = get_hub()
    hub.layer = None  # deliver locally, as with the in-memory layer
    sockets = [FakeSocket(meeting_id=7, user_id=u) for u in (1, 2, 3)]
    for s in sockets:
        await hub.join(s)
    hub.note_seq(7, 0)
    hub.dispatch({"k": "room", "m": 7, "s": 1, "f": "e1", "at": time.time() - 0.02})
    await asyncio.sleep(0)
    assert all(s.got for s in sockets)
    samples = parse(metrics.exposition())
    assert dict(samples["nghisu_sockets"])['{kind="room"}'] >= 3
    assert dict(samples["nghisu_rooms"])[""] >= 1
    counts = dict(samples["nghisu_event_delivery_seconds_count"])
    assert counts['{kind="room"}'] == before + 1
    total = dict(samples["nghisu_event_delivery_seconds_sum"])['{kind="room"}']
    assert total >= 0.02
    for s in sockets:
        await hub.leave(s)


def test_the_writer_escapes_labels_and_counts_buckets_cumulatively():
    h = metrics.Histogram("t_seconds", "test", buckets=(0.1, 1.0))
    for v in (0.05, 0.5, 5.0):
        h.observe(v, op='a"b')
    lines = h.lines()
    assert 't_seconds_bucket{op="a\\"b",le="0.1"} 1' in lines
    assert 't_seconds_bucket{op="a\\"b",le="1"} 2' in lines
    assert 't_seconds_bucket{op="a\\"b",le="+Inf"} 3' in lines
    assert 't_seconds_count{op="a\\"b"} 3' in lines
    assert metrics.address_allowed("::ffff:127.0.0.1", ["127.0.0.1"])
    assert not metrics.address_allowed("garbage", ["0.0.0.0/0"])
