"""Logs as one JSON object a line (``LOG_FORMAT=json``), with the request's id.

:class:`RequestIdMiddleware` gives every HTTP request an id: the proxy's
``X-Request-ID`` when it sends a sane one (nginx: ``proxy_set_header
X-Request-ID $request_id``), else a new random one. The id is returned in the
response's ``X-Request-ID`` and attached to every log record written while the
request runs (:class:`RequestIdFilter`), so one line of the proxy's access log
finds every line the request wrote here. :class:`JsonFormatter` writes a record
as ``{"time", "level", "logger", "message", "request_id", "exception"}``
(``request_id`` and ``exception`` only when there is one), which log
collectors read without a parsing rule.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "nghisu_request_id", default=None
)
#: What a proxy's id may look like (nginx's $request_id is 32 hex digits).
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    return _request_id.get()


class RequestIdMiddleware:
    """Set the request id for the request's logs and its response header.

    The id is cleared when the response is closed, not when it leaves this
    middleware: Django logs a 4xx/5xx response after the whole chain
    (``django.request``), and that line must carry it too.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    @staticmethod
    def _id_of(request) -> str:
        given = request.headers.get("X-Request-ID", "")
        return given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        rid = self._id_of(request)
        _request_id.set(rid)
        return self._done(self.get_response(request), rid)

    async def __acall__(self, request):
        rid = self._id_of(request)
        _request_id.set(rid)
        return self._done(await self.get_response(request), rid)

    @staticmethod
    def _done(response, rid: str):
        response["X-Request-ID"] = rid
        # Called by response.close(), after Django has logged the response.
        response._resource_closers.append(lambda: _request_id.set(None))
        return response


class RequestIdFilter(logging.Filter):
    """Attach ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
