"""Suite `jacobian_sweep`: forward vs reverse Jacobian cost over the (n, m) plane.

f: R^n -> R^m is a small tanh network (hidden width 32).  For every cell of a
log-spaced grid of n and m from 1 to 1024 we time jacfwd, jacrev and
jacobian(mode="auto") side by side, and record which mode `choose_mode` picked
and whether it was the faster one.  Issue target: auto picks the faster mode in
>= 95% of cells and loses <= 10% where it does not.  Cells where the two modes
are within 5% of each other are flagged as ties: on a shared machine their
"faster" is decided by noise.
"""

from __future__ import annotations

import dataclasses
import math
import time

from . import workloads as w
from .common import Candidate, compare, error_text, save_plot
from .timing import TimingConfig, median

NAME = "jacobian_sweep"
HIDDEN = 32
TIE = 0.05
ACCURACY_TARGET = 0.95
LOSS_TARGET = 0.10


def grid(level: str) -> list:
    if level == "tiny":
        return [1, 4]
    if level == "quick":
        return [1, 32, 1024]
    return [2**k for k in range(11)]


def normalize_mode(mode) -> str:
    s = str(getattr(mode, "value", mode)).lower()
    if s.startswith("f"):
        return "forward"
    if s.startswith("r"):
        return "reverse"
    return s


def n_steps(level):
    return len(grid(level)) ** 2


def run(ctx) -> dict:
    sizes = grid(ctx.level)
    params = {"sizes": sizes, "hidden": HIDDEN, "tie": TIE}
    b = ctx.adcore
    if b is None:
        return {
            "params": params,
            "cells": [],
            "summary": {},
            "status": "skipped",
            "reason": ctx.skipped.get("adcore", "adcore missing"),
        }
    rng = ctx.rng()
    ops = b.ops
    cells = []
    if ctx.level == "full":  # 121 cells x 3 modes: lighter per-cell timing than other suites
        ctx = dataclasses.replace(ctx, cfg=TimingConfig(repeats=5, min_time=0.02, warmup=2))
    for n in sizes:
        for m in sizes:
            p = w.tanh_net_params(rng, n, m, HIDDEN)
            x = rng.standard_normal(n)
            ref = w.tanh_net_jacobian_hand(p, x).reshape(m, n)

            def f(z, p=p):
                return w.tanh_net(ops, p, z)

            cell = {"n": n, "m": m}
            try:
                choice = b.choose_mode(f, x)
                t0 = time.perf_counter()
                b.choose_mode(f, x)
                cell["choose_mode_s"] = time.perf_counter() - t0
                cell["pick"] = normalize_mode(getattr(choice, "mode", choice))
                cell["reason"] = str(getattr(choice, "reason", ""))
                for k in ("est_forward_s", "est_reverse_s"):
                    if getattr(choice, k, None) is not None:
                        cell[k] = float(getattr(choice, k))
            except Exception as exc:
                cell["pick"] = None
                cell["error"] = error_text(exc)
            cands = []
            for name, maker in (
                ("forward", b.ad.jacfwd),
                ("reverse", b.ad.jacrev),
                ("auto", b.jacobian_auto),
            ):
                try:
                    J = maker(f)
                    cands.append(
                        Candidate(
                            name,
                            lambda J=J: J(x),
                            system="adcore",
                            mode=name,
                            to_numpy=lambda r: b.to_numpy(r).reshape(m, n),
                        )
                    )
                except Exception as exc:
                    cell.setdefault("errors", {})[name] = error_text(exc)
            entries = compare(ctx, f"sweep: n={n} m={m}", cands, ref)
            for name, e in entries.items():
                if "time_s" in e:
                    cell[f"t_{name}"] = e["time_s"]
                elif e.get("status") != "ok":
                    cell.setdefault("errors", {})[name] = e.get("error", e.get("status"))
            _judge(cell)
            cells.append(cell)
    return {"params": params, "cells": cells, "summary": _summary(cells)}


def _judge(cell: dict) -> None:
    tf, tr = cell.get("t_forward"), cell.get("t_reverse")
    if not (tf and tr):
        return
    cell["log_fwd_over_rev"] = math.log(tf / tr)
    cell["faster"] = "forward" if tf <= tr else "reverse"
    cell["tie"] = abs(tf / tr - 1.0) <= TIE
    if cell.get("pick") in ("forward", "reverse"):
        t_pick = tf if cell["pick"] == "forward" else tr
        cell["correct"] = cell["pick"] == cell["faster"]
        cell["loss"] = t_pick / min(tf, tr) - 1.0
    if cell.get("t_auto"):
        cell["auto_over_best"] = cell["t_auto"] / min(tf, tr)


def _summary(cells: list) -> dict:
    judged = [c for c in cells if "correct" in c]
    if not judged:
        return {"cells": len(cells), "judged": 0}
    wrong = [c for c in judged if not c["correct"]]
    clear = [c for c in judged if not c["tie"]]
    worst = max((c["loss"] for c in wrong), default=0.0)
    acc = 1.0 - len(wrong) / len(judged)
    return {
        "cells": len(cells),
        "judged": len(judged),
        "correct": len(judged) - len(wrong),
        "accuracy": acc,
        "accuracy_excluding_ties": (sum(c["correct"] for c in clear) / len(clear))
        if clear
        else None,
        "worst_loss": worst,
        "mean_loss_when_wrong": (sum(c["loss"] for c in wrong) / len(wrong)) if wrong else 0.0,
        "accuracy_target": ACCURACY_TARGET,
        "loss_target": LOSS_TARGET,
        "met": acc >= ACCURACY_TARGET and worst <= LOSS_TARGET,
        "wrong_cells": [(c["n"], c["m"], round(c["loss"], 3)) for c in wrong],
        # what a user of jacobian(mode="auto") pays over the faster mode, decision included
        "auto_over_best_median": median(
            [c["auto_over_best"] for c in judged if "auto_over_best" in c]
        ),
        "auto_over_best_max": max(
            (c["auto_over_best"] for c in judged if "auto_over_best" in c), default=None
        ),
    }


def markdown(res: dict) -> str:
    if res.get("status") == "skipped":
        return f"Skipped: {res.get('reason')}"
    s = res["summary"]
    sizes = res["params"]["sizes"]
    lines = []
    if s.get("judged"):
        lines.append(
            f"choose_mode picked the faster mode in {s['correct']}/{s['judged']} cells "
            f"({100 * s['accuracy']:.0f}%; target >= {100 * ACCURACY_TARGET:.0f}%), worst loss "
            f"where wrong {100 * s['worst_loss']:.0f}% (target <= {100 * LOSS_TARGET:.0f}%). "
            f"Ties (modes within {100 * TIE:.0f}%) excluded: "
            + (
                f"{100 * s['accuracy_excluding_ties']:.0f}%."
                if s["accuracy_excluding_ties"] is not None
                else "n/a."
            )
        )
    if s.get("auto_over_best_median") is not None:
        lines.append(
            f'jacobian(mode="auto") itself, decision included, took '
            f"{s['auto_over_best_median']:.2f}x the faster mode's time (median over cells; "
            f"worst {s['auto_over_best_max']:.2f}x)."
        )
    lines += [
        "",
        "time(jacfwd) / time(jacrev); rows m (outputs), columns n (inputs); "
        "F/R = auto's pick, `!` = wrong pick:",
        "",
        "| m \\ n | " + " | ".join(map(str, sizes)) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    by = {(c["n"], c["m"]): c for c in res["cells"]}
    for m in sizes:
        row = []
        for n in sizes:
            c = by.get((n, m), {})
            if "log_fwd_over_rev" in c:
                mark = {"forward": "F", "reverse": "R"}.get(c.get("pick"), "?")
                bad = "!" if c.get("correct") is False else ""
                row.append(f"{math.exp(c['log_fwd_over_rev']):.2f} {mark}{bad}")
            else:
                row.append("err")
        lines.append(f"| {m} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def plots(res: dict, plt, path_for) -> list:
    import numpy as np

    if res.get("status") == "skipped" or not res["cells"]:
        return []
    sizes = res["params"]["sizes"]
    k = len(sizes)
    Z = np.full((k, k), np.nan)
    by = {(c["n"], c["m"]): c for c in res["cells"]}
    for i, m in enumerate(sizes):
        for j, n in enumerate(sizes):
            c = by.get((n, m), {})
            if "log_fwd_over_rev" in c:
                Z[i, j] = c["log_fwd_over_rev"]
    lim = float(np.nanmax(np.abs(Z))) if np.isfinite(Z).any() else 1.0
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    im = ax.imshow(Z, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim)
    cb = fig.colorbar(im, ax=ax)
    cb.set_label("log(time_fwd / time_rev)   (red: reverse faster, blue: forward faster)")
    for i, m in enumerate(sizes):
        for j, n in enumerate(sizes):
            c = by.get((n, m), {})
            pick = {"forward": "F", "reverse": "R"}.get(c.get("pick"), "")
            dark = abs(Z[i, j]) > 0.6 * lim if np.isfinite(Z[i, j]) else False
            wrong = c.get("correct") is False
            if wrong:  # solid box: a real loss; dashed box: wrong but within the tie band
                ax.add_patch(
                    plt.Rectangle(
                        (j - 0.45, i - 0.45),
                        0.9,
                        0.9,
                        fill=False,
                        lw=2,
                        ec="black",
                        ls="--" if c.get("tie") else "-",
                    )
                )
            if pick:
                ax.text(
                    j,
                    i,
                    pick + ("!" if wrong else ""),
                    ha="center",
                    va="center",
                    fontsize=9 if k <= 6 else 7,
                    fontweight="bold",
                    color="white" if dark else "black",
                )
    ax.plot([-0.5, k - 0.5], [-0.5, k - 0.5], color="gray", lw=0.8, ls=":")
    ax.set_xticks(range(k), sizes, rotation=45)
    ax.set_yticks(range(k), sizes)
    ax.set_xlabel("n (inputs)")
    ax.set_ylabel("m (outputs)")
    s = res["summary"]
    acc = f"{100 * s['accuracy']:.0f}%" if s.get("judged") else "n/a"
    ax.set_title(
        f"jacfwd vs jacrev, tanh net (hidden {HIDDEN}); letters: auto's pick;\n"
        f"boxed: wrong pick (dashed: within {100 * TIE:.0f}%). auto picked the faster mode in "
        f"{acc} of cells",
        fontsize=9,
    )
    return save_plot(fig, plt, path_for, "jacobian_sweep")
