#!/usr/bin/env python3
"""plot_svg.py: the line chart every benchmark of the kit draws, as a standalone SVG file.

    python3 bench/plot_svg.py DATA.tsv OUT.svg --title T --xlabel X --ylabel Y
                              [--logx] [--logy] [--legend LABEL ...]

DATA.tsv is what a benchmark writes: a header row, then one row per point. The first column is x;
every other column is one series (its header is its name in the legend unless --legend gives the
labels, in column order). "NA" or an empty cell is a point the series does not have (select beyond
FD_SETSIZE): the line skips it. Installs nothing: plain Python 3, plain SVG.
"""
import argparse
import html
import math
import sys

COLORS = ["#1b7837", "#2166ac", "#b2182b", "#762a83", "#e08214", "#4d4d4d"]
WIDTH, HEIGHT = 800, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 40, 60


def read_tsv(path):
    with open(path, encoding="utf-8") as file:
        rows = [line.rstrip("\n").split("\t") for line in file if line.strip()]
    if len(rows) < 2 or len(rows[0]) < 2:
        sys.exit(f"plot_svg: {path}: want a header row and at least one row of x and a value")
    header, xs, series = rows[0], [], [[] for _ in rows[0][1:]]
    for row in rows[1:]:
        xs.append(float(row[0]))
        for index, column in enumerate(series):
            cell = row[index + 1] if index + 1 < len(row) else ""
            column.append(None if cell in ("", "NA") else float(cell))
    return header, xs, series


def axis(values, log):
    """The axis range and its ticks: powers of ten on a log axis, about five steps otherwise."""
    low, high = min(values), max(values)
    if log:
        lo = math.floor(math.log10(max(low, 0.1)))
        hi = max(lo + 1, math.ceil(math.log10(max(high, 1.0))))
        return lo, hi, [10.0**p for p in range(lo, hi + 1)], True
    low = min(low, 0.0)
    span = (high - low) or 1.0
    step = 10 ** math.floor(math.log10(span / 5))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 6:
            step *= factor
            break
    hi = math.ceil(high / step) * step if high > low else low + step
    ticks, tick = [], low
    while tick <= hi + step / 2:
        ticks.append(tick)
        tick += step
    return low, hi, ticks, False


def number(value):
    return f"{value:g}"


def chart(header, xs, series, options):
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [v for column in series for v in column if v is not None] or [0.0]
    y_lo, y_hi, y_ticks, y_log = axis(values, options.logy)
    x_lo, x_hi = (math.log10(min(xs)), math.log10(max(xs))) if options.logx else (min(xs), max(xs))

    def x_of(x):
        x = math.log10(x) if options.logx else x
        return LEFT + ((x - x_lo) / (x_hi - x_lo) if x_hi > x_lo else 0.5) * plot_w

    def y_of(y):
        y = math.log10(y) if y_log else y
        return TOP + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15">{html.escape(options.title)}</text>',
    ]
    for tick in y_ticks:  # y grid and labels
        y = y_of(tick)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{number(tick)}</text>')
    for x in xs:  # x labels, one per measured point
        out.append(f'<text x="{x_of(x):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
                   f"{number(x)}</text>")
    out.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
               'stroke="black"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="black"/>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 15}" text-anchor="middle">'
               f"{html.escape(options.xlabel)}</text>")
    out.append(f'<text transform="translate(18,{TOP + plot_h / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle">{html.escape(options.ylabel)}</text>')
    labels = options.legend or header[1:]
    for index, column in enumerate(series):
        color = COLORS[index % len(COLORS)]
        points = [(x_of(x), y_of(v)) for x, v in zip(xs, column) if v is not None]
        for cx, cy in points:
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{color}"/>')
        path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in points)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        ly = TOP + 20 + 20 * index
        label = labels[index] if index < len(labels) else header[index + 1]
        out.append(f'<line x1="{LEFT + plot_w + 12}" y1="{ly}" x2="{LEFT + plot_w + 32}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + plot_w + 36}" y="{ly + 4}" font-size="11">'
                   f"{html.escape(label)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description="Draw a benchmark's TSV as an SVG line chart.")
    parser.add_argument("data")
    parser.add_argument("svg")
    parser.add_argument("--title", default="")
    parser.add_argument("--xlabel", default="")
    parser.add_argument("--ylabel", default="")
    parser.add_argument("--logx", action="store_true", help="logarithmic x axis")
    parser.add_argument("--logy", action="store_true", help="logarithmic y axis")
    parser.add_argument("--legend", action="append", help="a series' label, in column order")
    options = parser.parse_args()
    header, xs, series = read_tsv(options.data)
    if options.logx and min(xs) <= 0 or options.logy and any(
            v is not None and v <= 0 for column in series for v in column):
        sys.exit("plot_svg: a log axis needs values above 0")
    with open(options.svg, "w", encoding="utf-8") as file:
        file.write(chart(header, xs, series, options))


if __name__ == "__main__":
    main()
