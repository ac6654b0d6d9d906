"""pyHanko difference policy that recognises annotations added after signing
(worker side: imported by :mod:`documents.pdf.signatures` only).

pyHanko's standard policy explains signatures, form filling and long-term
validation data appended to a signed file, but no ordinary annotation: a
reader's highlight or sticky note added after signing counts as "other", which
is what a tampered file reports. :class:`MarkupAnnotationRule` explains, at
level ``ANNOTATIONS`` and nothing else:

- new markup annotation objects (Text, Highlight, Ink, FreeText, Square, ...)
  and the new objects they bring (appearance streams, fonts of those);
- a page whose only change is its ``/Annots`` gaining such annotations after
  the ones it had at signing (same entries, same order), whether ``/Annots``
  is inline or an indirect array (updated in place or new).

Anything else (page content, an annotation that existed at signing being
changed or removed, a page's other keys) stays unexplained, hence "other".
See docs/signatures.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    ModificationLevel,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.commons import compare_dicts
from pyhanko.sign.diff_analysis.rules_api import RelativeContext

MARKUP_SUBTYPES = frozenset(
    {
        "/Text",
        "/Highlight",
        "/Ink",
        "/FreeText",
        "/Square",
        "/Circle",
        "/Line",
        "/Underline",
        "/StrikeOut",
        "/Squiggly",
        "/Popup",
    }
)
_LEVEL = ModificationLevel.ANNOTATIONS


def _new_markup(old: HistoricalResolver, ref: generic.Reference) -> bool:
    """Is ``ref`` a markup annotation object created after revision ``old``?"""
    if not old.is_ref_unassignable(ref):
        return False
    obj = ref.get_object()
    return (
        isinstance(obj, generic.DictionaryObject)
        and not isinstance(obj, generic.StreamObject)
        and obj.get("/Type", "/Annot") == "/Annot"
        and obj.get("/Subtype") in MARKUP_SUBTYPES
    )


def _annots(page: generic.DictionaryObject) -> tuple[list, generic.Reference | None]:
    """The page's annotation references (in order) and its /Annots reference."""
    try:
        raw = page.raw_get("/Annots")
    except KeyError:
        return [], None
    ref = raw.reference if isinstance(raw, generic.IndirectObject) else None
    arr = raw.get_object()
    if not isinstance(arr, generic.ArrayObject):
        raise SuspiciousModification("/Annots is not an array")
    refs = []
    for item in arr:
        if not isinstance(item, generic.IndirectObject):
            raise SuspiciousModification("/Annots holds a direct object")
        refs.append(item.reference)
    return refs, ref


def _pages(node_ref, node, seen: frozenset = frozenset()) -> Iterator[tuple]:
    """Yield ``(ref, page)`` for every page under a page tree node."""
    if node_ref in seen:
        raise SuspiciousModification("circular page tree")
    if node.get("/Type") == "/Pages":
        for kid in node.get("/Kids", []):
            if isinstance(kid, generic.IndirectObject):
                yield from _pages(kid.reference, kid.get_object(), seen | {node_ref})
    else:
        yield node_ref, node


class MarkupAnnotationRule(QualifiedWhitelistRule):
    """Explain markup annotations appended to pages, at level ``ANNOTATIONS``."""

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterator[tuple[ModificationLevel, ReferenceUpdate]]:
        changed = new.explicit_refs_in_revision()
        annotations = {ref for ref in changed if _new_markup(old, ref)}
        if not annotations:
            return
        for ref in annotations:
            for dep in new.collect_dependencies(
                ref.get_object(), since_revision=old.revision + 1
            ):
                yield _LEVEL, ReferenceUpdate(dep)
            yield _LEVEL, ReferenceUpdate(ref)
        yield from self._pages(old, new, annotations)

    @staticmethod
    def _pages(old, new, annotations: set) -> Iterator[tuple]:
        old_root = old.root.raw_get("/Pages")
        new_root = new.root.raw_get("/Pages")
        if not isinstance(new_root, generic.IndirectObject) or old_root != new_root:
            return
        old_pages = dict(_pages(old_root.reference, old_root.get_object()))
        for page_ref, page in _pages(new_root.reference, new_root.get_object()):
            old_page = old_pages.get(page_ref)
            if old_page is None:
                continue
            before, before_ref = _annots(old_page)
            after, after_ref = _annots(page)
            added = after[len(before) :]
            if after[: len(before)] != before or not added:
                continue
            if not all(ref in annotations for ref in added):
                continue
            if not compare_dicts(old_page, page, frozenset({"/Annots"}), False):
                continue
            # A page is reachable from many places (outlines, links): approve
            # it as a whole, as pyHanko does for new signature widgets.
            yield _LEVEL, ReferenceUpdate(page_ref)
            if after_ref is not None and (
                after_ref == before_ref or old.is_ref_unassignable(after_ref)
            ):
                yield (
                    _LEVEL,
                    ReferenceUpdate(
                        after_ref,
                        context_checked=RelativeContext(
                            page_ref, RawPdfPath("/Annots")
                        ),
                    ),
                )


# pyHanko's default policy (signatures, form filling, LTA updates) plus
# annotations appended after signing.
DIFF_POLICY = StandardDiffPolicy(
    global_rules=[*DEFAULT_DIFF_POLICY.global_rules, MarkupAnnotationRule()],
    form_rule=DEFAULT_DIFF_POLICY.form_rule,
)
