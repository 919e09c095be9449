"""The feedback a learner reads: their executed notebook as one HTML page that needs nothing else.

Everything in a submission is the learner's, so the page is built from an allow-list
(``clean_notebook``): cell sources as text; outputs as text, tracebacks and PNG / JPEG images
whose data is checked to be one; an explorer as the last frame its saved widget state holds.
No metadata of the learner's reaches the page, and Markdown is rendered with its raw HTML
escaped. Formulas are turned into MathML here (``latex2mathml``), so the page reads right with
no network and runs no script at all; its Content-Security-Policy forbids every script and
every fetch, should anything slip through.
"""

import base64
import binascii
import html
import re
from pathlib import Path

import jinja2
import nbformat
from latex2mathml.converter import convert
from nbconvert import HTMLExporter
from nbconvert.filters import Highlight2HTML, strip_ansi
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

TEMPLATES = Path(__file__).resolve().parent / "templates"  # holds feedback_page/
MAX_TEXT = 100_000  # characters of one cell's source, or of one output, that the page shows
# What turns text into tags is bounded per cell (or output) and per page; beyond, the text is
# shown as it is. Each is slow or large on hostile input: mistune is quadratic on a run of "["
# (12 s for 50 000), Pygments takes 22 us a character, and each tag they or the colour codes
# make costs the page's final parse (BeautifulSoup) about 700 bytes. A lab's largest Markdown
# cell holds 1 739 characters (17 000 in all), its largest code cell 2 518 (14 000 in all);
# its outputs hold 4 426 characters in all.
BUDGETS = {  # kind: (characters per cell or output, characters per page)
    "markdown": (5_000, 100_000),
    "code": (20_000, 200_000),
    "ansi": (20_000, 200_000),  # outputs and tracebacks, with their colour codes
    "tex": (5_000, 20_000),  # LaTeX outputs, as MathML
}
IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
FIGURE_VIEW = "helpers.explorer.FigureView"  # the explorers' widget: its `value` is the frame


def shortened(text, limit=MAX_TEXT):
    """``text`` cut to ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[shortened: {len(text) - limit:,} more characters]"


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _text(value):
    """A notebook string field (a string or a list of strings) as one string, else ''."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    return shortened(value) if isinstance(value, str) else ""


def image_data(mimetype, value):
    """``value`` as clean base64 if it really is a ``mimetype`` (PNG or JPEG) image, else None."""
    text = _text(value).replace("\n", "")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return text if raw.startswith(IMAGES[mimetype]) else None


def _size(metadata, mimetype, key):
    """An image's width or height from output metadata, only if it is a plain pixel count."""
    value = metadata.get(mimetype, {}) if isinstance(metadata, dict) else {}
    value = value.get(key) if isinstance(value, dict) else None
    return value if type(value) is int and 0 < value <= 10_000 else None


def mathml(tex, display=False):
    """A formula as MathML; TeX that does not convert is shown as code."""
    try:
        return convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - whatever the converter chokes on is shown as TeX
        return _as_code(tex)


def _as_code(tex):
    return f"<code>{html.escape(tex)}</code>"


class Renderer(IPythonRenderer):
    """nbconvert's Markdown renderer with raw HTML escaped, no script-bearing links, formulas
    as MathML, and images only from the cell's own (checked) attachments."""

    def __init__(self, attachments):
        super().__init__(escape=True, allow_harmful_protocols=False, attachments=attachments)

    def block_math(self, body):
        return mathml(body, display=True)

    def inline_math(self, body):
        return mathml(body)

    def latex_environment(self, name, body):
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    def block_mermaidjs(self, code):
        return super().block_code(code)

    def image(self, text, url, title=None):
        name = url.removeprefix("attachment:")
        for mimetype, data in self.attachments.get(name, {}).items():
            return f'<img src="data:{mimetype};base64,{data}" alt="{html.escape(text)}">'
        return html.escape(f"[image: {text or url}]")


def _as_text(text):
    """``text`` shown as it is, not rendered (beyond the page's budgets)."""
    return f'<pre class="not-rendered">{html.escape(text)}</pre>'


class FeedbackExporter(HTMLExporter):
    """nbconvert's JupyterLab page, with the template of ``templates/feedback_page``."""

    def __init__(self):
        super().__init__(template_name="feedback_page", extra_template_basedirs=[str(TEMPLATES)])
        self.spent = dict.fromkeys(BUDGETS, 0)  # characters rendered so far, by kind
        highlight = Highlight2HTML(pygments_lexer="python", parent=self)
        code = self._budgeted(
            "code", highlight, lambda s: f'<div class="highlight">{_as_text(s)}</div>'
        )
        self.filters = {"highlight_code": code}  # nbconvert takes this one from `filters`

    def _affords(self, kind, text):
        """Whether ``text`` fits what is left of the page's budget for ``kind`` (then spent)."""
        per_item, per_page = BUDGETS[kind]
        if len(text) > per_item or self.spent[kind] + len(text) > per_page:
            return False
        self.spent[kind] += len(text)
        return True

    def _budgeted(self, kind, render, fallback):
        """``render`` while the page's budget for ``kind`` lasts, then ``fallback``."""

        def call(text, *args, **kwargs):
            return render(text, *args, **kwargs) if self._affords(kind, text) else fallback(text)

        return call

    @jinja2.pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        if cell.get("metadata", {}).get("grader_html"):  # the grader's own summary
            return source
        if not self._affords("markdown", source):
            return _as_text(source)
        return MarkdownWithMath(renderer=Renderer(cell.get("attachments", {}))).render(source)

    def default_filters(self):
        for name, function in super().default_filters():
            if name == "ansi2html":
                function = self._budgeted("ansi", function, lambda s: html.escape(strip_ansi(s)))
            yield name, function
        tex = self._budgeted("tex", lambda tex: mathml(tex, display=True), _as_code)
        yield ("tex_to_mathml", tex)
        # nbconvert's rewrite of "files/" links: no page of ours has one, and its regular
        # expression takes quadratic time on a run of "[" (hours for a notebook of them)
        yield ("strip_files_prefix", lambda text: text)


# ---------------------------------------------------------------- the allow-list


def _frames(nb):
    """{widget model id: (frame PNG base64, status)} of the explorers in the saved widget
    state, keyed by every model that holds one (an explorer's box holds its figure)."""
    widgets = _dict(_dict(nb.get("metadata")).get("widgets"))
    models = _dict(_dict(widgets.get(WIDGET_STATE)).get("state"))

    def frame(model_id, depth=0):
        model = _dict(models.get(model_id))
        fields = _dict(model.get("state"))
        if depth > 8 or not fields:
            return None
        if fields.get("_anywidget_id") == FIGURE_VIEW:
            for buffer in map(_dict, _list(model.get("buffers"))):
                if buffer.get("path") == ["value"]:
                    png = image_data("image/png", buffer.get("data"))
                    return (png, _text(fields.get("status"))) if png else None
            return None
        for child in _list(fields.get("children")):
            if isinstance(child, str):
                if found := frame(child.removeprefix("IPY_MODEL_"), depth + 1):
                    return found
        return None

    return {model_id: found for model_id in models if (found := frame(model_id))}


def clean_output(output, frames):
    """The allowed part of one output, as a list of outputs: streams, errors, plain text and
    images; an explorer as its status line and last frame."""
    if not isinstance(output, dict):
        return []
    kind = output.get("output_type")
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return [nbformat.v4.new_output("stream", name=name, text=_text(output.get("text")))]
    if kind == "error":
        lines = [shortened(t) for t in _list(output.get("traceback"))[:200] if isinstance(t, str)]
        names = {key: _text(output.get(key)) for key in ("ename", "evalue")}
        return [nbformat.v4.new_output("error", traceback=lines, **names)]
    if kind not in ("display_data", "execute_result") or not isinstance(output.get("data"), dict):
        return []
    data, metadata = output["data"], output.get("metadata", {})
    view = data.get(WIDGET_VIEW)
    if isinstance(view, dict) and view.get("model_id") in frames:
        png, status = frames[view["model_id"]]
        return [
            nbformat.v4.new_output("stream", name="stdout", text=shortened(status) + "\n"),
            nbformat.v4.new_output("display_data", data={"image/png": png}),
        ]
    clean, sizes = {}, {}
    for mimetype in IMAGES:
        if mimetype in data and (found := image_data(mimetype, data[mimetype])):
            clean[mimetype] = found
            for key in ("width", "height"):
                if (pixels := _size(metadata, mimetype, key)) is not None:
                    sizes.setdefault(mimetype, {})[key] = pixels
    if "text/latex" in data:
        clean["text/latex"] = _text(data["text/latex"])
    if "text/plain" in data:
        clean["text/plain"] = _text(data["text/plain"])
    if isinstance(view, dict):
        clean["text/plain"] = "[an explorer: open the notebook in JupyterLab to move its sliders]"
    if not clean:
        return []
    out = nbformat.v4.new_output("display_data", data=clean, metadata=sizes)
    if kind == "execute_result" and type(output.get("execution_count")) is int:
        out.output_type, out.execution_count = "execute_result", output["execution_count"]
    return [out]


def clean_notebook(nb):
    """A new notebook holding only the allowed part of ``nb`` (any dict a notebook's JSON
    made): Markdown and code cells, their sources, checked attachments and outputs."""
    frames = _frames(nb)
    cells = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        source = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
            images = {}
            for name, bundle in _dict(cell.get("attachments")).items():
                for mimetype in IMAGES:
                    if data := image_data(mimetype, _dict(bundle).get(mimetype)):
                        images[str(name)] = {mimetype: data}
                        break
            if images:
                new.attachments = images
        elif cell.get("cell_type") == "code":
            new = nbformat.v4.new_code_cell(source)
            outputs = _list(cell.get("outputs"))[:100]
            new.outputs = [kept for o in outputs for kept in clean_output(o, frames)]
            count = cell.get("execution_count")
            new.execution_count = count if type(count) is int else None
        else:
            continue  # raw cells: a learner's raw HTML would be put in the page as it is
        cells.append(new)
    clean = nbformat.v4.new_notebook(cells=cells)
    clean.metadata = {"language_info": {"name": "python"}}
    return clean


def page(nb, title, summary_html):
    """The feedback page: ``summary_html`` (the grader's own, trusted) above the allowed part
    of ``nb``."""
    clean = clean_notebook(nb)
    summary = nbformat.v4.new_markdown_cell(summary_html, metadata={"grader_html": True})
    clean.cells.insert(0, summary)
    body, _ = FeedbackExporter().from_notebook_node(clean, resources={"metadata": {"name": title}})
    return body


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text):
    """``text`` with control characters (ANSI escapes, carriage returns...) shown escaped, so
    that what a submission wrote cannot move the terminal's cursor or rewrite its lines."""
    return CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), str(text))
