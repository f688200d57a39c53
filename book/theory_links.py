"""Sphinx extension of the book: a mention of a section of the theory digest links to it.

The notebooks and the instructor guide cite the digest in prose: "THEORY.md section 5",
"THEORY.md §3–4", "`THEORY.md` §1, §5", "THEORY sections 1, 2 and 4". In the book each
section number of such a mention becomes a link to that numbered section of
``docs/THEORY.md`` (a heading "N. Title"); the sources are not changed. A number that names
no section of the digest is a warning (the book's build treats warnings as errors).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The digest's document name in the book.
THEORY_DOC = "docs/THEORY"
#: A list of section numbers: "section 5", "sections 5 and 7", "§4, §8", "§3–4".
_LIST = r"(?:sections?\s+|§\s*)\d+(?:\s*(?:,|and|–|-)\s*(?:§\s*)?\d+)*"
#: The mention inside one text: "THEORY.md section 5", "THEORY sections 1, 2 and 4".
MENTION = re.compile(rf"THEORY(?:\.md)?\s+(?P<refs>{_LIST})")
#: The list right after a literal ``THEORY.md`` (its own node): "` §1, §5".
AFTER_LITERAL = re.compile(rf"^\s*(?P<refs>{_LIST})")
#: One item of a list, with its "section"/"§" when it has one.
ITEM = re.compile(r"(?:(?:sections?\s+)|§\s*)?(?P<number>\d+)")
#: The digest's numbered headings.
HEADING = re.compile(r"^(\d+)\.\s")
#: Text inside these is left as it is.
SKIP = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.reference,
        nodes.raw, nodes.title, nodes.FixedTextElement)


def section_ids(env) -> dict[int, str]:
    """The digest's section numbers and the ids of their headings."""
    doctree = env.get_doctree(THEORY_DOC)
    found = {}
    for section in doctree.findall(nodes.section):
        match = HEADING.match(section[0].astext())
        if match and section["ids"]:
            found[int(match.group(1))] = section["ids"][0]
    return found


def _skipped(element: nodes.Element) -> bool:
    while element is not None:
        if isinstance(element, SKIP):
            return True
        element = element.parent
    return False


def _theory_literal(node: nodes.Node) -> bool:
    return isinstance(node, nodes.literal) and node.astext() in ("THEORY.md", "docs/THEORY.md")


class TheoryLinks(SphinxPostTransform):
    """Turn the section numbers of each mention of THEORY.md into links to the sections."""

    default_priority = 5
    formats = ("html",)

    def run(self, **kwargs) -> None:
        if THEORY_DOC not in self.env.all_docs:
            return
        ids = section_ids(self.env)
        uri = self.app.builder.get_relative_uri(self.env.docname, THEORY_DOC)
        for element in list(self.document.findall(nodes.Element)):
            if _skipped(element):
                continue
            index = 0
            while index < len(element):
                if not isinstance(element[index], nodes.Text):
                    index += 1
                    continue
                # a run of Text nodes read as one (a line break is a Text node of its own)
                end = index
                while end < len(element) and isinstance(element[end], nodes.Text):
                    end += 1
                value = "".join(map(str, element.children[index:end]))
                spans = [m.span("refs") for m in MENTION.finditer(value)]
                first = AFTER_LITERAL.match(value)
                if first and index > 0 and _theory_literal(element[index - 1]):
                    spans.insert(0, first.span("refs"))
                if not spans:
                    index = end
                    continue
                linked = self._linked(value, spans, ids, uri, element)
                element[index:end] = linked
                index += len(linked)

    def _linked(self, value, spans, ids, uri, element) -> list[nodes.Node]:
        out, at = [], 0
        for start, end in spans:
            for item in ITEM.finditer(value, start, end):
                number = int(item.group("number"))
                if number not in ids:
                    logger.warning("THEORY.md has no section %d (sections: %s)", number,
                                   ", ".join(map(str, sorted(ids))), location=element)
                    continue
                out.append(nodes.Text(value[at:item.start()]))
                link = nodes.reference("", "", internal=True,
                                       refuri=f"{uri}#{ids[number]}",
                                       reftitle=f"THEORY.md section {number}")
                link["classes"].append("theory-link")
                link += nodes.Text(item.group(0))
                out.append(link)
                at = item.end()
        out.append(nodes.Text(value[at:]))
        return [node for node in out if not isinstance(node, nodes.Text) or str(node)]


def setup(app):
    app.add_post_transform(TheoryLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
