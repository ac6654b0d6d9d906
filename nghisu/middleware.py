"""Project middleware: the interface language, and WhiteNoise for async requests.

WhiteNoise's middleware is synchronous only. Under Daphne, Django then runs it,
and through ``async_to_sync`` everything after it, on the single thread that
serves sync code, so async views (page images, downloads) would queue behind
each other. ``AsyncWhiteNoiseMiddleware`` answers async requests itself: a
static path is served from a worker thread, anything else goes straight on to
the async rest of the stack.
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from whitenoise.middleware import WhiteNoiseMiddleware


class ResponseHookMiddleware:
    """A middleware that looks at each response, in the sync and async stacks
    alike, without sending async requests through Django's sync thread (as
    ``MiddlewareMixin.process_response`` would). Subclasses define
    ``after(request, response, *, is_async)``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        response = self.get_response(request)
        self.after(request, response, is_async=False)
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        self.after(request, response, is_async=True)
        return response

    def after(self, request, response, *, is_async: bool) -> None:
        raise NotImplementedError


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, *args, **kwargs):
        super().__init__(get_response, *args, **kwargs)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file, thread_sensitive=False)(
                request.path_info
            )
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve, thread_sensitive=False)(
                static_file, request
            )
        return await self.get_response(request)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English at the foot of a page.

    Django's LocaleMiddleware follows the browser's Accept-Language, and many
    tablets in agencies run an English system: the interface must still open in
    Vietnamese. Only the language cookie set by ``set_language`` changes it.
    """

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
