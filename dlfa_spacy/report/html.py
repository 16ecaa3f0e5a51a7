"""results.html beside results.md: the same report as a web page, and displaCy pages of test sentences.

The markdown the report writes uses a small subset (headings, pipe tables, images, bullet
lists, paragraphs, **bold** and `code`), which `markdown_to_html` turns into HTML without a
dependency. For NER and POS, each metrics file's first test sentences per language (written by
`evaluate` under "examples") become one displaCy page per variant and language, gold beside
predicted, linked from results.html.
"""
import html
import re
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from ..results import EXAMPLES_KEY
from ..tasks import TASKS

HTML_FILE = "results.html"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
td:not(:first-child), th:not(:first-child) { text-align: right; }
img { max-width: 100%; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; border-bottom: 1px solid #ddd; padding: 0.5em 0; }
.pair h4 { margin: 0 0 0.3em 0; font-size: 0.8em; color: #666; }
"""


def _inline(text: str) -> str:
    """Bold, code, links and images of one line, the rest escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", lambda m: f'<img alt="{m.group(1)}" src="{m.group(2)}">', out)
    out = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def _table(rows: List[str]) -> str:
    """A pipe table (header, separator, body) as an HTML table."""
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    head = "".join(f"<th>{_inline(c)}</th>" for c in cells[0])
    body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in cells[2:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def markdown_to_html(markdown: str) -> str:
    """The report's markdown subset as HTML body content."""
    out: List[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            out.append(_table(block))
            continue
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        elif line.startswith("> "):
            out.append(f"<blockquote>{_inline(line[2:])}</blockquote>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
        i += 1
    return "\n".join(out)


def page(title: str, body: str) -> str:
    """A whole HTML page."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n")


def example_pages(metrics: Sequence[Dict[str, Any]]) -> List[Tuple[str, str, str]]:
    """(file name, link text, page) of a displaCy page per metrics file and language with examples."""
    pages = []
    for m in metrics:
        spec = TASKS[m["task"]]
        for lang, scores in m["languages"].items():
            examples = scores.get(EXAMPLES_KEY) if isinstance(scores, dict) else None
            if not examples or not spec.display_style:
                continue
            name = f"examples_{m['task']}_{m['variant']}_{lang}.html"
            title = f"{spec.title} {m['variant']} on {lang}: the first {len(examples)} test sentences"
            pages.append((name, f"{spec.title} {m['variant']} {lang}", page(title, _pairs(title, examples, spec.display_style))))
    return pages


def _pairs(title: str, examples: Sequence[Dict[str, Any]], style: str) -> str:
    """Each example's gold and predicted displaCy markup side by side."""
    # spaCy only where a report shows predictions: reading results must not load it.
    from spacy import displacy

    def render(doc: Dict[str, Any]) -> str:
        options = {"compact": True, "distance": 90} if style == "dep" else {}
        return displacy.render(doc, style=style, manual=True, page=False, jupyter=False, options=options)

    rows = [f'<div class="pair"><div><h4>gold</h4>{render(e["gold"])}</div>'
            f'<div><h4>predicted</h4>{render(e["pred"])}</div></div>' for e in examples]
    return f"<h1>{html.escape(title)}</h1>\n<p><a href=\"{HTML_FILE}\">back to the report</a></p>\n" + "\n".join(rows)


def write_html(markdown: str, metrics: Sequence[Dict[str, Any]], folder: Path) -> None:
    """results.html (the markdown report as a page, with links to the example pages) and those pages, into `folder`."""
    pages = example_pages(metrics)
    for name, _, text in pages:
        (folder / name).write_text(text, encoding="utf8")
    body = markdown_to_html(markdown)
    if pages:
        links = "".join(f'<li><a href="{name}">{html.escape(label)}</a></li>' for name, label, _ in pages)
        body += ("\n<h2>Test sentences: gold beside predicted (displaCy)</h2>\n<ul>" + links + "</ul>")
    (folder / HTML_FILE).write_text(page("DLFA results", body), encoding="utf8")
