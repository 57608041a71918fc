"""A self-contained HTML page: tables inline, figures as base64 PNGs, no external files.

The page must open offline, mailed or archived, so nothing is linked: styles are inline,
images are data URIs. Each table and figure names the CSV it was made from.
"""
from __future__ import annotations

import base64
import dataclasses
import html

import pandas as pd

STYLE = """body{font-family:sans-serif;max-width:1150px;margin:1em auto;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;font-size:12px;margin:.4em 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}th{background:#f3f3f3}
p.note{font-size:13px;color:#444}p.src{font-size:11px;color:#777}img{max-width:100%}
.check-ok{color:#170}.check-bad{color:#b00;font-weight:bold}"""


@dataclasses.dataclass
class Section:
    title: str
    text: list[str] = dataclasses.field(default_factory=list)
    parts: list[str] = dataclasses.field(default_factory=list)

    def table(self, frame: pd.DataFrame, source: str, max_rows: int = 60) -> None:
        shown = frame.head(max_rows)
        more = (f" (first {max_rows} of {len(frame)} rows)" if len(frame) > max_rows else "")
        self.parts.append(shown.to_html(index=False, float_format=lambda v: f"{v:.4g}",
                                        na_rep="", border=0)
                          + f'<p class="src">table: {html.escape(source)}{more}</p>')

    def figure(self, png: bytes | None, source: str, alt: str) -> None:
        if png is None:
            return
        data = base64.b64encode(png).decode("ascii")
        self.parts.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
                          f'<p class="src">figure drawn from: {html.escape(source)}</p>')

    def line(self, text: str, css: str = "note") -> None:
        self.parts.append(f'<p class="{css}">{html.escape(text)}</p>')


def page(title: str, header: list[str], sections: list[Section]) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    body += [f'<p class="note">{html.escape(line)}</p>' for line in header]
    body.append("<ul>" + "".join(f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>'
                                 for i, s in enumerate(sections)) + "</ul>")
    for i, section in enumerate(sections):
        body.append(f'<h2 id="s{i}">{html.escape(section.title)}</h2>')
        body += [f'<p class="note">{html.escape(t)}</p>' for t in section.text]
        body += section.parts
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
