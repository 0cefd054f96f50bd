"""Forecast accuracy: shelfcast against its baselines and its peers, on a time split.

    .venv/bin/python benchmarks/bench_accuracy.py [--datasets synthetic,online_retail,favorita]
        [--holdout 28] [--no-peers] [--no-next-day] [--out benchmarks/out/accuracy]
        [--reuse] [--recompute shelfcast] [--shelfcast-params '{"max_rows": 500000}']

For each data set: hold out the last ``--holdout`` days (train on everything before the
cutoff, score what comes after: ``shelfcast.forecast.backtest.split_at``), then in ONE run

- shelfcast's ``Forecaster`` (mean + quantiles) and the shelfcast baselines;
- the peers (``benchmarks/peers/run_peers.py`` in ``benchmarks/.venv-peers``, built by
  ``make bench-peers-env``): statsforecast seasonal naive, AutoETS, Croston, TSB;
  mlforecast + LightGBM plain and Tweedie; each given the same training rows and the
  same known-in-advance covariates;
- next-day accuracy: horizon 1 from each of the last 28 days (shelfcast and baselines,
  moved on with ``update`` between days).

Scores with ``shelfcast.forecast.metrics`` (WAPE of the mean and of q50, RMSSE, MASE,
RMSPE on days with sales, bias, pinball loss, q90 coverage, 80 % interval coverage) and
writes ``<out>/<dataset>.md`` / ``.json`` / ``_results.parquet``, and the whole report
to ``benchmarks/out/accuracy_latest.md``.

Data: the synthetic chain is generated into ``benchmarks/out/data/`` (10 stores x 100
items x 730 days, seed 0); the real data sets are the folders ``shelfcast ingest`` made
from ``$SHELFCAST_DATA`` (``benchmarks/out/online_retail``, ``benchmarks/out/favorita``;
see benchmarks/RESULTS.md for the commands).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from shelfcast.data.dataset import Dataset
from shelfcast.data.load import load_dataset
from shelfcast.data.schema import DATE, ITEM, SALES, STORE
from shelfcast.forecast.backtest import score_rows, next_day_backtest, split_at
from shelfcast.forecast.baselines import BASELINES
from shelfcast.forecast.metrics import DEFAULT_METRICS, evaluate, series_scales

ROOT = Path(__file__).resolve().parent
PEERS_PY = ROOT / ".venv-peers" / "bin" / "python"
RUN_PEERS = ROOT / "peers" / "run_peers.py"
DEFAULT_OUT = ROOT / "out" / "accuracy"
SYNTHETIC = {"stores": 10, "items": 100, "days": 730, "seed": 0}
COLUMNS = {
    "wape": "WAPE (mean)",
    "wape_q50": "WAPE (q50)",
    "rmsse": "RMSSE",
    "mase": "MASE",
    "rmspe": "RMSPE",
    "bias": "bias",
    "pinball": "pinball",
    "cov_q90": "q90 cover",
    "cov_80": "80% interval",
    "seconds": "fit+predict s",
}


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


def synthetic_dataset(out: Path) -> Dataset:
    from shelfcast.data.generate import generate_chain, write_chain

    folder = out / "data" / "chain_s{stores}_i{items}_d{days}_seed{seed}".format(**SYNTHETIC)
    if not (folder / "sales.parquet").exists():
        write_chain(generate_chain(**SYNTHETIC), folder, fmt="parquet")
    return load_dataset(folder)


def real_dataset(name: str, root: Path) -> Dataset:
    folder = root / name
    if not folder.exists():
        raise SystemExit(
            f"{folder} is missing: import it first, e.g. .venv/bin/shelfcast ingest --map "
            f"examples/{name}.yaml $SHELFCAST_DATA/{name}/... {folder}"
        )
    return load_dataset(folder)


def timed(fn):  # noqa: ANN001, ANN201 - a tiny helper
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run_peers(
    train: Dataset, future: pl.DataFrame, work: Path, *, reuse: bool = False
) -> tuple[pl.DataFrame, dict]:
    if not PEERS_PY.exists():
        raise SystemExit(f"{PEERS_PY} is missing: run `make bench-peers-env` first")
    work.mkdir(parents=True, exist_ok=True)
    covariates = [c for c in future.columns if c not in (DATE, STORE, ITEM)]
    train_rows = train.sales.select(DATE, STORE, ITEM, SALES, *covariates)
    out = work / "peers.parquet"
    same_inputs = (
        (work / "train.parquet").exists()
        and pl.read_parquet(work / "train.parquet").equals(train_rows)
        and pl.read_parquet(work / "future.parquet").equals(future)
    )
    if reuse and same_inputs and out.exists() and out.with_suffix(".json").exists():
        log(f"peers: reusing {out} (same train and future files)")
    else:
        train_rows.write_parquet(work / "train.parquet")
        future.write_parquet(work / "future.parquet")
        cmd = [str(PEERS_PY), str(RUN_PEERS), "--train", str(work / "train.parquet"),
               "--future", str(work / "future.parquet"), "--out", str(out)]
        log("peers: " + " ".join(cmd[1:]) + f" (log: {work / 'peers.log'})")
        with (work / "peers.log").open("w") as fh:
            # Passive OpenMP waits: on cores shared with other work, spinning threads of
            # LightGBM wait on each other for ages.
            env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
        if proc.returncode != 0:
            raise SystemExit(f"the peers failed, see {work / 'peers.log'}")
    meta = json.loads(out.with_suffix(".json").read_text())
    # pandas writes a missing quantile as NaN; polars must see null (not covered, not scored).
    preds = pl.read_parquet(out).with_columns(
        pl.col(DATE).cast(pl.Date), pl.col(pl.Float64).fill_nan(None)
    )
    return preds, meta


PEER_NAMES = {
    "seasonal_naive": "sf_seasonal_naive",
    "autoets": "sf_autoets",
    "croston": "sf_croston",
    "tsb": "sf_tsb",
    "lgbm": "mlf_lgbm",
    "lgbm_tweedie": "mlf_lgbm_tweedie",
}


def shelfcast_models(params: dict | None = None) -> dict:
    """The Forecaster (with ``params`` over its defaults) and the baselines (the baselines
    alone, said loudly, while the Forecaster is not importable)."""
    try:
        from shelfcast.forecast import Forecaster
    except ImportError as exc:
        log(f"WARNING: no Forecaster ({exc}); scoring the baselines and peers only")
        return dict(BASELINES)
    return {"shelfcast": lambda: Forecaster(**(params or {})), **BASELINES}


def evaluate_dataset(name: str, ds: Dataset, args: argparse.Namespace) -> dict:
    models = shelfcast_models(args.shelfcast_params) if args.shelfcast else dict(BASELINES)

    cutoff = ds.last_date - timedelta(days=args.holdout)
    train, future, actuals = split_at(ds, cutoff, horizon=args.holdout)
    scales = series_scales(train.sales, end=cutoff)
    n_series = future.select(STORE, ITEM).unique().height
    info = {
        "dataset": name,
        "sales_rows": ds.sales.height,
        "series_total": ds.sales.select(STORE, ITEM).unique().height,
        "series_scored": n_series,
        "first_date": str(ds.first_date),
        "cutoff": str(cutoff),
        "last_date": str(ds.last_date),
        "holdout_days": args.holdout,
        "scored_rows": actuals.height,
        "zero_share": float((actuals["actual"] == 0).mean()),
        "covariates": ds.covariates,
    }
    log(f"{name}: {info}")
    parts: list[pl.DataFrame] = []
    seconds: dict[str, float] = {}

    def add(model_name: str, forecast: pl.DataFrame) -> None:
        parts.append(score_rows(forecast, actuals, name=model_name, cutoff=cutoff))

    cache = args.out / f"{name}_forecasts"
    cache.mkdir(parents=True, exist_ok=True)
    for model_name, factory in models.items():
        # Each forecast is kept, so that a run cut short (or one that only adds a model) can
        # reuse it with --reuse; the key is the cutoff and the model's name.
        path = cache / f"{model_name}_{cutoff}.parquet"
        reusable = args.reuse and model_name not in args.recompute
        if reusable and path.exists() and path.with_suffix(".json").exists():
            forecast = pl.read_parquet(path)
            secs = json.loads(path.with_suffix(".json").read_text())["seconds"]
            log(f"{name}: {model_name} reused from {path}")
        else:
            forecast, secs = timed(lambda f=factory: f().fit(train).predict(future))
            forecast.write_parquet(path)
            path.with_suffix(".json").write_text(json.dumps({"seconds": secs}))
        seconds[model_name] = secs
        log(f"{name}: {model_name} {secs:.1f} s")
        add(model_name, forecast)

    peer_meta: dict = {}
    if args.peers:
        preds, peer_meta = run_peers(
            train, future, args.out / f"{name}_peers", reuse=args.reuse
        )
        for peer, label in PEER_NAMES.items():
            # A peer may give no forecast (null) for a series too young for it.
            p = preds.filter((pl.col("model") == peer) & pl.col("forecast").is_not_null())
            if p.height == 0:
                continue
            got = actuals.join(p, on=[DATE, STORE, ITEM], how="semi").height
            if got < actuals.height:
                peer_meta.setdefault("errors", {})[peer] = (
                    f"forecast {got} of {actuals.height} rows; scored on those only"
                )
                parts.append(
                    score_rows(p, actuals.join(p, on=[DATE, STORE, ITEM], how="semi"),
                                name=label, cutoff=cutoff)
                )
            else:
                add(label, p)
            seconds[label] = peer_meta["seconds"][peer]

    results = pl.concat(parts, how="diagonal_relaxed").join(scales, on=[STORE, ITEM], how="left")
    results.write_parquet(args.out / f"{name}_results.parquet")
    table = evaluate(results, DEFAULT_METRICS).with_columns(
        pl.col("model").replace_strict(seconds, default=None).alias("seconds")
    )
    info["peer_errors"] = peer_meta.get("errors", {})

    next_day = None
    if args.next_day:
        nd, secs = timed(
            lambda: next_day_backtest(ds, models, days=28)
        )
        log(f"{name}: next-day backtest {secs:.1f} s")
        next_day = evaluate(nd, DEFAULT_METRICS)
        # The models are factories: ask what one makes (a Forecaster moves on with update).
        info["next_day_update"] = "shelfcast" in models and hasattr(models["shelfcast"](), "update")
    return {"info": info, "table": table, "next_day": next_day}


def markdown(report: dict) -> str:
    info, table = report["info"], report["table"]
    lines = [
        f"### {info['dataset']}",
        "",
        f"{info['sales_rows']:,} sales rows, {info['series_total']:,} series; history "
        f"{info['first_date']} to {info['last_date']}; trained up to {info['cutoff']}, scored on "
        f"the last {info['holdout_days']} days: {info['series_scored']:,} series (sold in the 8 "
        f"weeks before the cutoff) x {info['holdout_days']} days = {info['scored_rows']:,} rows, "
        f"{info['zero_share']:.0%} of them zero. Covariates: {', '.join(info['covariates']) or 'none'}.",
        "",
    ]
    lines += _md_table(table, with_seconds=True)
    lines += ["", _verdict(table)]
    if info.get("peer_errors"):
        lines += ["", "Peer problems: " + "; ".join(f"{k}: {v}" for k, v in info["peer_errors"].items())]
    if report.get("next_day") is not None:
        how = ("moved on with `update` each day" if info.get("next_day_update")
               else "refitted each day (no `update`)")
        lines += ["", f"Next-day accuracy (horizon 1 from each of the last 28 days; shelfcast "
                  f"fitted once at the first origin and {how}; baselines the same):", ""]
        lines += _md_table(report["next_day"], with_seconds=False)
    return "\n".join(lines) + "\n"


def _md_table(table: pl.DataFrame, *, with_seconds: bool) -> list[str]:
    cols = [c for c in COLUMNS if c in table.columns and (with_seconds or c != "seconds")]
    lower_better = {"wape", "wape_q50", "rmsse", "mase", "rmspe", "pinball", "seconds"}
    best = {c: table[c].min() for c in cols if c in lower_better}
    out = ["| model | " + " | ".join(COLUMNS[c] for c in cols) + " |",
           "|---|" + "---:|" * len(cols)]
    for row in table.sort("rmsse" if "rmsse" in table.columns else "wape").iter_rows(named=True):
        cells = []
        for c in cols:
            v = row[c]
            text = "" if v is None else (f"{v:.1f}" if c == "seconds" else f"{v:.3f}")
            if v is not None and c in best and v == best[c]:
                text = f"**{text}**"
            cells.append(text)
        out.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return out


def _verdict(table: pl.DataFrame) -> str:
    def val(model: str, col: str) -> float | None:
        row = table.filter(pl.col("model") == model)
        return row[col].item() if row.height and col in row.columns else None

    notes = []
    for col, label in (("rmsse", "RMSSE"), ("wape_q50", "WAPE (q50)"), ("wape", "WAPE (mean)")):
        if col not in table.columns:
            continue
        ranked = table.sort(col).select("model", col).drop_nulls()
        rank = ranked["model"].to_list().index("shelfcast") + 1 if "shelfcast" in ranked["model"] else None
        best = ranked.row(0)
        mine = val("shelfcast", col)
        if rank == 1:
            second = ranked.row(1) if ranked.height > 1 else None
            margin = f" ({(1 - mine / second[1]):.1%} below {second[0]})" if second else ""
            notes.append(f"{label}: shelfcast best{margin}")
        elif mine is not None:
            notes.append(f"{label}: shelfcast rank {rank} of {ranked.height}, "
                         f"{(mine / best[1] - 1):.1%} worse than {best[0]} ({best[1]:.3f})")
    for col in ("wape_q50", "wape"):
        mine, snaive = val("shelfcast", col), val("seasonal_naive", col)
        if mine is not None and snaive:
            notes.append(f"{col} vs seasonal naive: {(1 - mine / snaive):+.1%} better")
    cov = val("shelfcast", "cov_q90")
    if cov is not None:
        notes.append(f"q90 coverage {cov:.1%} (target 87-93 %)")
    return "Verdict: " + "; ".join(notes) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="synthetic,online_retail,favorita")
    parser.add_argument("--holdout", type=int, default=28)
    parser.add_argument("--data-root", type=Path, default=ROOT / "out")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-peers", dest="peers", action="store_false")
    parser.add_argument("--no-next-day", dest="next_day", action="store_false")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse forecasts of an earlier run at the same cutoff (shelfcast, "
                             "baselines) and the peers' predictions on identical inputs")
    parser.add_argument("--no-shelfcast", dest="shelfcast", action="store_false",
                        help="baselines and peers only")
    parser.add_argument("--recompute", type=lambda s: set(s.split(",")), default=set(),
                        help="models (e.g. shelfcast) fitted anew even with --reuse")
    parser.add_argument("--shelfcast-params", type=_json_object, default={},
                        help="JSON object of Forecaster parameters over its defaults; the "
                             "shelfcast forecast is then recomputed, not reused")
    args = parser.parse_args()
    if args.shelfcast_params:
        args.recompute = args.recompute | {"shelfcast"}
    args.out.mkdir(parents=True, exist_ok=True)

    header = (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, "
        f"{_memory_gb():.0f} GB), python {platform.python_version()}; command: "
        f"`{' '.join([Path(sys.executable).name, *sys.argv])}`; load average at start "
        f"{os.getloadavg()[0]:.1f}.\n"
    )
    for name in [d for d in args.datasets.split(",") if d]:
        ds = synthetic_dataset(ROOT / "out") if name == "synthetic" else real_dataset(
            name, args.data_root
        )
        report = evaluate_dataset(name, ds, args)
        text = markdown(report)
        (args.out / f"{name}.md").write_text(header + "\n" + text)
        (args.out / f"{name}.json").write_text(json.dumps(
            {"info": report["info"], "table": report["table"].to_dicts(),
             "next_day": None if report["next_day"] is None else report["next_day"].to_dicts()},
            indent=2, default=str))
        print(text, flush=True)
        if args.out == DEFAULT_OUT:  # experiments in other folders leave the record alone
            write_latest(args.out)
    log(f"done: {ROOT / 'out' / 'accuracy_latest.md'}; load average now {os.getloadavg()[0]:.1f}")


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON ({exc}): {text!r}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object of parameters, got {text!r}")
    return value


def write_latest(out: Path) -> None:
    """``benchmarks/out/accuracy_latest.md``: every data set's latest report, side by side
    (runs of single data sets may go on in parallel)."""
    order = ["synthetic", "online_retail", "favorita"]
    files = sorted(out.glob("*.md"), key=lambda p: (order.index(p.stem) if p.stem in order
                                                     else len(order), p.stem))
    body = "\n".join(f.read_text() for f in files)
    (ROOT / "out" / "accuracy_latest.md").write_text("# Forecast accuracy, latest runs\n\n" + body)


def _memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        return float("nan")


if __name__ == "__main__":
    main()
