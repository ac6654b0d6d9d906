"""Entry point of a PDF worker process: ``python -m documents.pdf._worker LIMITS``.

The worker applies its resource limits, imports PyMuPDF (only workers ever do),
reports readiness and then serves jobs read from stdin, one at a time, writing
answers to the original stdout. File descriptor 1 is redirected to stderr so
that nothing printed by a library can corrupt the protocol stream.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import traceback
from typing import Any, BinaryIO

from documents.pdf import protocol
from documents.pdf.errors import PdfError

#: Exit status of a worker that ran out of memory and quit on purpose.
EXIT_MEMORY = 3


def _apply_limits(limits: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    mem = int(limits["memory_bytes"])
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = int(limits["cpu_seconds"])
    if cpu > 0:
        # Hard limit: the whole life of the worker; soft limit: moved per job.
        hard = cpu * (int(limits["max_jobs"]) + 2)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
    # No PR_SET_PDEATHSIG: it fires when the *thread* that spawned the worker
    # ends (e.g. a thread-pool thread), not the parent process. An orphaned
    # worker exits on EOF of stdin or at its CPU limit.


def _arm_cpu(limits: dict[str, Any]) -> None:
    """Allow the next job ``cpu_seconds`` of CPU on top of what was used."""
    cpu = int(limits["cpu_seconds"])
    if cpu <= 0:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + cpu
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_exact(stream: BinaryIO, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_message(stream: BinaryIO) -> Any | None:
    prefix = _read_exact(stream, 4)
    if prefix is None:
        return None
    header = _read_exact(stream, protocol.header_length(prefix))
    if header is None:
        return None
    body, sizes = protocol.parse_header(header)
    blobs = []
    for size in sizes:
        blob = _read_exact(stream, size)
        if blob is None:
            return None
        blobs.append(blob)
    return protocol.finish(body, blobs)


def _send(out: BinaryIO, payload: Any) -> None:
    for chunk in protocol.encode(payload):
        out.write(chunk)
    out.flush()


def _is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return "malloc" in text or "out of memory" in text or "cannot allocate" in text


def main() -> None:
    """Serve jobs until stdin closes."""
    limits = json.loads(sys.argv[1])
    _apply_limits(limits)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)

    from documents.pdf import ops  # imports PyMuPDF: workers only

    _send(proto_out, {"ready": os.getpid()})
    while True:
        try:
            request = _read_message(proto_in)
        except protocol.ProtocolError:
            return
        if request is None:
            return
        fatal = False
        try:
            func = ops.OPERATIONS[request["op"]]
            _arm_cpu(limits)
            result = func(*request.get("args", []), **request.get("kwargs", {}))
            answer: dict[str, Any] = {"ok": True, "result": result}
        except PdfError as exc:
            answer = {"ok": False, "code": exc.code, "message": exc.message}
        except Exception as exc:  # every failure must become an answer
            if _is_memory_error(exc):
                answer = {"ok": False, "code": "memory"}
                fatal = True
            else:
                code = "damaged" if ops.is_mupdf_error(exc) else "internal"
                traceback.print_exc(file=sys.stderr)
                answer = {"ok": False, "code": code}
        _send(proto_out, answer)
        if fatal:
            os._exit(EXIT_MEMORY)


if __name__ == "__main__":
    main()
