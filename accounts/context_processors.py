"""Values every page needs."""

from django.conf import settings


def site(request):
    return {
        "SOURCE_URL": settings.SOURCE_URL,
        "PAGE_LINKS": bool(settings.PAGE_LINK_SECRET),
    }
