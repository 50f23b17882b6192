"""Renders scripts/bench's results (TSV rows) as docs/benchmarks.md.

Row: id, title, ferry value, peer label, peer value, unit, target ratio (ferry/peer; "" = none).
A line "NOTE<TAB>text" becomes a bullet under the table (a section's explanation of its rows).
For units where lower is better (ms, us, MB) the ratio is peer/ferry, so >1 always means ferry
is ahead.
"""
import sys

LOWER_IS_BETTER = {"ms", "us", "MB", "MiB"}


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def main() -> None:
    results, placement, date, machine = sys.argv[1:5]
    rows = []
    notes = []
    with open(results, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and parts[0] == "NOTE":
                notes.append(parts[1])
            elif len(parts) == 7:
                rows.append(parts)
    out = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench` — do not edit by hand. Each row runs ferry and its peer on the",
        "same throwaway servers, with the same CPU placement, in one run; figures are medians of",
        "interleaved rounds where the section runs several.",
        "",
        f"- date: {date}",
        f"- machine: {machine}",
        f"- placement: {placement}",
        "",
        "| benchmark | ferry | peer | peer figure | ratio | target | met |",
        "|---|---:|---|---:|---:|---:|:---:|",
    ]
    for rid, title, ferry, peer_label, peer, unit, target in rows:
        try:
            f_val, p_val = float(ferry), float(peer)
        except ValueError:
            out.append(f"| {title} (`{rid}`) | {ferry} | {peer_label} | {peer} | – | {target} | ✗ |")
            continue
        ratio = (p_val / f_val if unit in LOWER_IS_BETTER else f_val / p_val) if f_val and p_val else 0.0
        met = "–" if not target else ("✓" if ratio >= float(target) else "✗")
        tgt = f"≥ {target}x" if target else ""
        out.append(
            f"| {title} (`{rid}`) | {fmt(f_val)} {unit} | {peer_label} | {fmt(p_val)} {unit} "
            f"| {ratio:.2f}x | {tgt} | {met} |"
        )
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    print("\n".join(out))


if __name__ == "__main__":
    main()
