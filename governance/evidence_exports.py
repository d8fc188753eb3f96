"""The evidence report as files (CSV of every figure, JSON, a PDF for an annual report) and the
geometry of its charts, shared by the page and the PDF.

Charts are drawn in SVG and hidden from screen readers; every number in them is also in a table.
Hidden figures (public version) get no bar and no point, only their words in the table.
"""

import csv
import io
import json

from django.template.loader import render_to_string

from portal.csv_safety import formula_safe
from portal.pdf import html_to_pdf
from portal.site_links import site_root_url

from .evidence import Report, presence_step

CSV_COLUMNS = ["section", "key", "label", "value", "numerator", "denominator", "unit", "shown_as",
               "suppressed", "hidden_in_public", "link"]

# Line styles tell the bodies apart without colour: solid, dashed, dotted (then again, darker).
LINE_STYLES = [("#3d2c6e", ""), ("#00703c", "8 5"), ("#d4351c", "2 4"), ("#1d70b8", "12 4 2 4")]
BAR_WIDTH, BAR_MAX, LABEL_HEIGHT, BAR_HEIGHT, GAP = 640, 470, 24, 28, 16
LINE = {"width": 640, "height": 300, "left": 48, "right": 32, "top": 16, "bottom": 48}


def filename(report: Report, extension: str) -> str:
    body = f"-{report.period.body.slug}" if report.period.body is not None else ""
    return f"evidence-{report.period.start}-to-{report.period.end}{body}-{report.version}.{extension}"


def _cell(value) -> str:
    # A spreadsheet would run a cell that starts like a formula; make it plain text instead.
    return formula_safe(value)


def _absolute(url: str, root: str) -> str:
    return root + url if url.startswith("/") else url


def report_rows(report: Report) -> list[dict]:
    """Every figure, then each recorded reason for a decision with no service-user input.

    Links are absolute, on the site's address (portal/site_links.py), looked up once for all rows.
    """
    root = site_root_url()
    rows = []
    for figure in report.figures:
        row = figure.as_row()
        row["link"] = _absolute(row["link"], root)
        rows.append(row)
    for reason in report.reasons:
        rows.append({
            "section": "impact", "key": f"impact.no_input_reason.{reason['reference']}",
            "label": f"Why no service-user input: {reason['reference']} {reason['title']}",
            "value": reason["reason"], "numerator": "", "denominator": "", "unit": "text",
            "shown_as": reason["reason"], "suppressed": False, "hidden_in_public": False,
            "link": _absolute(reason["url"], root),
        })
    return rows


def report_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report_rows(report):
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def report_json(report: Report) -> bytes:
    period = report.period
    rows = report_rows(report)

    def plain(row: dict) -> dict:
        return {k: (None if v == "" and k in ("value", "numerator", "denominator") else v) for k, v in row.items()}

    data = {
        "report": "evidence",
        "version": report.version,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "body": period.body.slug if period.body is not None else None,
        "generated_at": report.generated_at.isoformat(),
        "sections": [
            {"key": key, "label": label,
             "figures": [plain(row) for row in rows if row["section"] == key]}
            for key, label in ((s["key"], s["label"]) for s in report.sections)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def report_pdf(report: Report, *, organisation: str = "") -> bytes:
    html = render_to_string("governance/evidence_pdf.html", {**page_context(report), "organisation": organisation})
    return html_to_pdf(html)


def page_context(report: Report) -> dict:
    """What the page and the PDF draw: the report, the seat series and both charts."""
    series = report.seat_series()
    return {
        "report": report,
        "series": series,
        "seat_rows": [
            {"day": day, "figures": [item["points"][n] for item in series]} for n, day in enumerate(report.points)
        ],
        "step_name": {1: "month", 3: "quarter", 12: "year"}[presence_step(report.period)],
        "purposes": [f for f in report.section("purpose") if f.key.startswith("purpose.consultation.")],
        "seat_chart": seat_chart(report, series),
        "origin_chart": origin_chart(report),
    }


def origin_chart(report: Report) -> dict:
    """A horizontal bar chart of responses by origin (hidden counts get no bar)."""
    figures = report.origins()
    top = max((f.value for f in figures if f.value), default=0)
    bars, y = [], 0
    for figure in figures:
        width = round(BAR_MAX * figure.value / top) if figure.value and top else 0
        label = figure.label.split(": ", 1)[-1].capitalize()
        bars.append({"label": label, "label_y": y + 17, "bar_y": y + LABEL_HEIGHT, "width": width,
                     "text": figure.text, "text_x": width + 8, "text_y": y + LABEL_HEIGHT + 20})
        y += LABEL_HEIGHT + BAR_HEIGHT + GAP
    return {"width": BAR_WIDTH, "height": y, "bar_height": BAR_HEIGHT, "bars": bars}


def seat_chart(report: Report, series: list[dict]) -> dict:
    """A line chart of each body's lived-experience share (0-100%) at each point; a hidden point breaks
    the line. Labels under the axis are thinned to about eight."""
    box = LINE
    plot_w = box["width"] - box["left"] - box["right"]
    plot_h = box["height"] - box["top"] - box["bottom"]
    count = len(report.points)

    def x(n: int) -> float:
        return round(box["left"] + (plot_w * n / (count - 1) if count > 1 else plot_w / 2), 1)

    def y(percent: int) -> float:
        return round(box["top"] + plot_h * (100 - percent) / 100, 1)

    every = max(1, -(-count // 8))
    lines = []
    for index, item in enumerate(series):
        colour, dash = LINE_STYLES[index % len(LINE_STYLES)]
        segments, current, dots = [], [], []
        for n, figure in enumerate(item["points"]):
            if figure.value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(f"{x(n)},{y(figure.value)}")
            dots.append({"x": x(n), "y": y(figure.value)})
        if current:
            segments.append(current)
        lines.append({"name": item["body"].name, "colour": colour, "dash": dash,
                      "segments": [" ".join(s) for s in segments], "dots": dots,
                      "legend_y": box["height"] + 8 + 24 * index})
    return {
        **box, "plot_right": box["width"] - box["right"], "plot_bottom": box["top"] + plot_h,
        "gridlines": [{"y": y(p), "label": f"{p}%"} for p in (0, 25, 50, 75, 100)],
        "ticks": [{"x": x(n), "label": f"{report.points[n]:%b %y}"} for n in _tick_indexes(count, every)],
        "lines": lines, "empty": not any(line["dots"] for line in lines), "label_y": box["top"] + plot_h + 24, "full_height": box["height"] + 24 * len(lines) + 8,
    }


def _tick_indexes(count: int, every: int) -> list[int]:
    """Every `every`th point, and the last one (in place of the one before it when they are close)."""
    indexes = list(range(0, count, every))
    if indexes and indexes[-1] != count - 1:
        if count - 1 - indexes[-1] < every and len(indexes) > 1:
            indexes[-1] = count - 1
        else:
            indexes.append(count - 1)
    return indexes
