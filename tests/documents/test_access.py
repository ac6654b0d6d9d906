"""Access: without a grant every URL of a document is a 404 and its title never shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents import actions
from tests.documents import pdf_builders as B

TITLE = "Tờ trình dự toán Zêta bí mật"


@pytest.fixture
def doc(cast, make_document):
    document = make_document(
        cast.secretary, body=cast.hdnd, data=B.text_pdf(2), title=TITLE
    )
    # The delegate is granted everything, then revoked: a revoked user.
    actions.grant(
        cast.secretary,
        document,
        users=[cast.delegate],
        perms=("download_document", "share_document"),
    )
    actions.revoke(cast.secretary, document, users=[cast.delegate])
    return document


def _urls(doc) -> list[tuple[str, str, dict]]:
    d = doc.pk
    return [
        ("get", reverse("documents:detail", args=[d]), {}),
        ("get", reverse("documents:version", args=[d, 1]), {}),
        ("get", reverse("documents:status", args=[d, 1]), {}),
        ("get", reverse("documents:page", args=[d, 1, 1]) + "?w=400", {}),
        ("get", reverse("documents:page", args=[d, 1, 2]) + "?w=160", {}),
        ("get", reverse("documents:words", args=[d, 1, 1]), {}),
        ("get", reverse("documents:download", args=[d, 1]), {}),
        ("get", reverse("documents:share", args=[d]), {}),
        ("get", reverse("documents:share_find", args=[d]) + "?q=cam", {}),
        ("post", reverse("documents:share_grant", args=[d]), {"level": "view"}),
        ("post", reverse("documents:share_revoke", args=[d]), {}),
        (
            "post",
            reverse("documents:edit", args=[d]),
            {"title": "x", "classification": "public"},
        ),
        ("post", reverse("documents:add_version", args=[d]), {}),
    ]


@pytest.mark.parametrize("who", ["outsider", "ubnd_member", "delegate"])
def test_every_document_url_is_404_without_a_grant(client, cast, doc, who):
    user = getattr(cast, who)
    client.force_login(user)
    for method, url, data in _urls(doc):
        if method == "post" and url.endswith("grant/"):
            data = {**data, "user": str(user.pk)}
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (url, response.status_code)
        assert TITLE not in response.content.decode(errors="replace"), url
    doc.refresh_from_db()
    assert doc.title == TITLE and doc.classification == "internal"


@pytest.mark.parametrize("who", ["outsider", "ubnd_member", "delegate"])
def test_title_never_appears_in_lists_search_or_picker(client, cast, doc, who):
    client.force_login(getattr(cast, who))
    for url in (
        reverse("documents:list"),
        reverse("documents:search") + "?q=zeta",
        reverse("documents:search") + "?q=hello",
        reverse("documents:picker") + "?q=zeta",
        reverse("documents:picker"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert TITLE not in response.content.decode(), url


def test_the_granted_see_it_everywhere(client, cast, doc):
    actions.grant(cast.secretary, doc, groups=[cast.hdnd.group])
    client.force_login(cast.delegate2)
    assert TITLE in client.get(reverse("documents:list")).content.decode()
    assert TITLE in client.get(reverse("documents:search") + "?q=zeta").content.decode()
    assert client.get(reverse("documents:page", args=[doc.pk, 1, 1])).status_code == 200
    # View only: no download, no share dialog.
    assert (
        client.get(reverse("documents:download", args=[doc.pk, 1])).status_code == 404
    )
    assert client.get(reverse("documents:share", args=[doc.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, doc):
    response = client.get(reverse("documents:page", args=[doc.pk, 1, 1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
