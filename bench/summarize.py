#!/usr/bin/python3
"""Summarises bench/compare.sh's records into ONE markdown table and regenerates docs/PERFORMANCE.md.

    summarize.py RESULTS.tsv [--micro CAJAL_BENCH.json] [--doc docs/PERFORMANCE.md] [--command CMD]

RESULTS.tsv has one record per line: CONFIG <TAB> JSON, CONFIG being cajal, torch-default,
torch-best, peak_fma, torch-overhead or meta. Each figure is shown as median (min-max) over the
runs. Ratios are cajal / torch of the medians; for time-like figures lower is better for cajal,
for rates (GFLOP/s, samples/s) higher is better: the "better" column says which.
Only the part of the document between the GENERATED markers is replaced; the prose around it
is kept. Standard library only (runs under /usr/bin/python3 without numpy).
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys

# A document may hold several generated sections (one per measuring environment), each between
# its own pair of markers.
def markers(section):
    return (f"<!-- BEGIN GENERATED {section} by bench/summarize.py: do not edit by hand -->",
            f"<!-- END GENERATED {section} -->")

# What torch's "best" anchor runs under, per workload (WORKLOADS.md section 3).
TORCH_BEST_ENV = {
    "gemm": "default env", "conv": "default env", "mlp": "OMP_WAIT_POLICY=passive",
    "lenet": "OPENBLAS_NUM_THREADS=1", "charlstm": "--threads 1", "gpt": "OMP_WAIT_POLICY=passive",
}
# Quality acceptance (WORKLOADS.md section 3): metric -> (test, text, torch seed band).
QUALITY = {
    ("mlp", "test_acc"): (lambda v: v >= 0.79, ">= 0.79", "0.804-0.834"),
    ("lenet", "test_acc"): (lambda v: v >= 0.80, ">= 0.80", "0.817-0.830"),
    ("charlstm", "loss_first"): (lambda v: 4.1 <= v <= 4.3, "in 4.1-4.3", "~4.17"),
    ("charlstm", "loss_last50"): (lambda v: v <= 1.95, "<= 1.95", "1.849-1.882"),
    ("gpt", "loss_first"): (lambda v: 4.1 <= v <= 4.3, "in 4.1-4.3", "~4.17"),
    ("gpt", "loss_last50"): (lambda v: v <= 2.32, "<= 2.32", "2.231-2.255"),
}
# Rows per workload: (key, label, better) with better "lower", "higher" or "quality".
METRICS = {
    "conv": [("fwd_ms", "fwd ms", "lower"), ("fwd_bwd_ms", "fwd+bwd ms", "lower"),
             ("fwd_gflops", "fwd GFLOP/s", "higher")],
    "mlp": [("train_s", "train s (938 steps)", "lower"), ("samples_per_s", "samples/s", "higher"),
            ("ms_per_step", "ms/step", "lower"), ("eval_s", "eval s", "lower"),
            ("test_acc", "test acc", "quality"), ("train_loss_mean_last_100", "train loss, last 100", "info")],
    "lenet": [("train_s", "train s (938 steps)", "lower"), ("samples_per_s", "samples/s", "higher"),
              ("ms_per_step", "ms/step", "lower"), ("test_acc", "test acc", "quality")],
    "charlstm": [("ms_per_step", "ms/step (median, steps 11-300)", "lower"), ("train_s", "train s", "lower"),
                 ("loss_first", "loss step 1", "quality"), ("loss_last50", "loss last 50", "quality")],
    "resnet": [("ms_per_step", "ms/step (median of 50)", "lower"), ("samples_per_s", "samples/s", "higher"),
               ("loss_first", "loss step 1", "info"), ("loss_last10", "loss last 10", "info")],
    "gpt": [("ms_per_step", "ms/step (median, steps 11-300)", "lower"), ("train_s", "train s", "lower"),
            ("loss_first", "loss step 1", "quality"), ("loss_last50", "loss last 50", "quality")],
}
COMMON = [("script_wall_s", "process wall s (start to exit)", "lower")]


def load(path):
    recs = []
    with open(path) as f:
        for line in f:
            if "\t" not in line:
                continue
            config, js = line.rstrip("\n").split("\t", 1)
            try:
                recs.append((config, json.loads(js)))
            except json.JSONDecodeError:
                recs.append((config, {"error": "unparsable output: " + js[:200]}))
    return recs


def fmt(x):
    if x is None:
        return "–"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:.0f}"
    if ax >= 100:
        return f"{x:.1f}"
    if ax >= 10:
        return f"{x:.2f}"
    if ax >= 1:
        return f"{x:.3f}"
    return f"{x:.4f}"


def cell(xs):
    if not xs:
        return "–"
    m = statistics.median(xs)
    if len(xs) == 1:
        return fmt(m)
    return f"{fmt(m)} ({fmt(min(xs))}–{fmt(max(xs))})"


def ratio(a, b, better):
    if not a or not b:
        return "–"
    ma, mb = statistics.median(a), statistics.median(b)
    if mb == 0:
        return "–"
    r = ma / mb
    return f"{r:.2f}"


def gemm_values(recs, n, key):
    out = []
    for r in recs:
        for row in r.get("results", []) + r.get("extra_results", []):
            if row.get("n") == n and key in row:
                out.append(row[key])
    return out


def values(recs, key):
    return [r[key] for r in recs if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool)]


def machine():
    model, cpus = "unknown CPU", os.cpu_count()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "Model name":
                model = v.strip()
            elif k.strip() == "CPU(s)":
                cpus = v.strip()
        flags = re.search(r"^Flags:\s*(.*)$", out, re.M)
        isa = []
        if flags:
            f = flags.group(1).split()
            isa = [x for x in ("avx2", "fma", "avx512f") if x in f]
    except OSError:
        isa = []
    return f"{model}, {cpus} CPUs ({', '.join(isa) or 'ISA unknown'})"


def main_table(recs):
    """Rows: | workload | metric | better | cajal | torch best | torch default | cajal/best | cajal/default |"""
    by = {}
    for config, r in recs:
        w = r.get("workload")
        if w and config in ("cajal", "torch-default", "torch-best"):
            by.setdefault(w, {}).setdefault(config, []).append(r)
    lines = ["| workload | metric | better | cajal | torch best (env) | torch default | cajal / torch best | cajal / torch default |",
             "|---|---|---|---|---|---|---|---|"]
    notes = []
    for w in ["gemm", "conv", "mlp", "lenet", "charlstm", "gpt", "resnet"]:
        if w not in by:
            continue
        groups = by[w]
        cajal = [r for r in groups.get("cajal", []) if "error" not in r and r.get("available", True)]
        unavailable = [r for r in groups.get("cajal", []) if r.get("available") is False]
        errors = [r["error"] for c in groups.values() for r in c if "error" in r]
        tdef = [r for r in groups.get("torch-default", []) if "error" not in r]
        # gemm/conv: the default environment is the best one (no separate runs).
        tbest = [r for r in groups.get("torch-best", []) if "error" not in r] or tdef
        env = TORCH_BEST_ENV.get(w, "")
        if unavailable:
            lines.append(f"| {w} | – | – | not available yet: needs {unavailable[0].get('needs')} | – | – | – | – |")
            continue
        for e in errors:
            notes.append(f"{w}: a run failed: {e[:300]}")
        rows = []
        if w == "gemm":
            for n in (256, 512, 1024, 2048):
                rows.append((f"N={n} GFLOP/s (best rep)", "higher", gemm_values(cajal, n, "gflops_best"),
                             gemm_values(tbest, n, "gflops_best"), gemm_values(tdef, n, "gflops_best")))
            for n in (256, 2048):
                rows.append((f"N={n} GFLOP/s (median rep)", "higher", gemm_values(cajal, n, "gflops_median"),
                             gemm_values(tbest, n, "gflops_median"), gemm_values(tdef, n, "gflops_median")))
        for key, label, better in METRICS.get(w, []) + COMMON:
            rows.append((label, better, values(cajal, key), values(tbest, key), values(tdef, key), key))
        for row in rows:
            label, better, c, b, d = row[:5]
            key = row[5] if len(row) > 5 else None
            if better == "quality":
                test, text, band = QUALITY[(w, key)]
                ok = all(test(v) for v in c) if c else None
                verdict = "–" if ok is None else ("ok" if ok else "**FAIL**")
                lines.append(f"| {w} | {label} | accept {text} (torch seeds 0–2: {band}) | {cell(c)} | {cell(b)} | {cell(d)} | {verdict} | |")
            elif better == "info":
                lines.append(f"| {w} | {label} | – | {cell(c)} | {cell(b)} | {cell(d)} | | |")
            else:
                lines.append(f"| {w} | {label} | {better} | {cell(c)} | {cell(b)} {'(' + env + ')' if b and env else ''} | "
                             f"{cell(d)} | {ratio(c, b, better)} | {ratio(c, d, better)} |")
        # Memory: cajal's peak vs torch's peak minus what `import torch` alone costs.
        cp, cb = values(cajal, "peak_rss_mib"), values(cajal, "rss_after_import_mib")
        tp, ti = values(tbest, "peak_rss_mib"), values(tbest, "rss_after_import_mib")
        t_net = [p - i for p, i in zip(tp, ti)]
        c_net = [p - i for p, i in zip(cp, cb)]
        lines.append(f"| {w} | peak RSS MiB (whole process) | lower | {cell(cp)} | {cell(tp)} | {cell(values(tdef, 'peak_rss_mib'))} | "
                     f"{ratio(cp, tp, 'lower')} | |")
        lines.append(f"| {w} | peak RSS MiB minus runtime baseline (torch: after `import torch`; cajal: at start) | lower | "
                     f"{cell(c_net)} | {cell(t_net)} | | {ratio(c_net, t_net, 'lower')} | |")
        # The memory target: cajal's whole peak below torch best's peak minus 230 MiB.
        target = [p - 230 for p in tp]
        lines.append(f"| {w} | peak RSS MiB against the target: torch best peak − 230 MiB (torch column) | lower | "
                     f"{cell(cp)} | {cell(target)} | | {ratio(cp, target, 'lower')} | |")
        if w == "gemm":
            floor = [r["rss_floor_mib"] for c, r in recs if c == "rss-floor" and "rss_floor_mib" in r]
            if floor:
                lines.append(f"| gemm | peak RSS MiB of a bare program that only holds A, B, C and calls sgemm "
                             f"(`bench/rss_floor`): no OpenBLAS program goes below it | – | {cell(floor)} | | | | |")
        threads = sorted({r.get("os_threads") for r in cajal if r.get("os_threads")})
        if threads:
            notes.append(f"{w}: cajal process had {', '.join(map(str, threads))} OS thread(s) at the end "
                         f"(threads = {cajal[0].get('threads')}; one pool: caller + OpenMP workers that OpenBLAS shares).")
    return lines, notes, by


def matmul_vs_blas(cajal_gemm):
    lines = ["| N | cajal matmul GFLOP/s (best rep) | raw cblas_sgemm GFLOP/s (best rep) | matmul / sgemm throughput | matmul time / sgemm time (median reps) | target |",
             "|---|---|---|---|---|---|"]
    for n in (64, 256, 512, 1024, 2048):
        c = gemm_values(cajal_gemm, n, "gflops_best")
        b = gemm_values(cajal_gemm, n, "blas_gflops_best")
        t = gemm_values(cajal_gemm, n, "time_vs_blas_median")
        if not c:
            continue
        pct = f"{100 * statistics.median(c) / statistics.median(b):.0f}%" if b else "–"
        target = "time within 1.3x" if n == 64 else ("≥ 95%" if n >= 512 else "")
        lines.append(f"| {n} | {cell(c)} | {cell(b)} | {pct} | {cell(t)} | {target} |")
    return lines


def micro_table(micro_path, torch_over):
    if not micro_path or not os.path.exists(micro_path):
        return []
    try:
        with open(micro_path) as f:
            bm = json.load(f)
    except (OSError, json.JSONDecodeError):
        return ["(cajal_bench output unreadable)"]
    res = {b["name"]: b for b in bm.get("benchmarks", [])}

    def ns(name):
        b = res.get(name)
        if not b or b.get("error_occurred"):
            return None
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        return b["real_time"] * scale

    def gbps(name):
        b = res.get(name)
        if not b or b.get("error_occurred"):
            return None
        return b.get("bytes_per_second", 0) / 1e9

    def gflops(name):
        b = res.get(name)
        if not b or b.get("error_occurred"):
            return None
        return b.get("FLOPS", 0) / 1e9

    t = torch_over or {}
    rows = [("tiny add (1 element), no grad: ns/op", ns("BM_TinyAdd_NoGrad"), t.get("tiny_add_nograd_ns"), "lower"),
            ("tiny add (1 element), recording grad: ns/op", ns("BM_TinyAdd_Grad"), t.get("tiny_add_grad_ns"), "lower"),
            ("100-op chain forward + backward: µs", (ns("BM_Chain100_ForwardBackward") or 0) / 1e3 or None,
             t.get("chain100_fwd_bwd_us"), "lower"),
            ("memcpy 4 MiB, 1 thread (cajal) / tensor.copy_ (torch): GB/s (read + write)", gbps("BM_Memcpy/real_time"),
             t.get("memcpy_gbps"), "higher"),
            ("memcpy 4 MiB split over the pool's threads: GB/s", gbps("BM_MemcpyThreads/real_time"), None, "higher")]
    for op in ("add", "mul", "relu", "exp"):
        rows.append((f"{op}, 1M f32: GB/s (read + write)", gbps(f"BM_{op.capitalize()}/real_time"), t.get(f"{op}_gbps"), "higher"))
    lines = ["| micro-benchmark | better | cajal (C++) | torch (from Python) | cajal / torch |", "|---|---|---|---|---|"]
    for label, c, tv, better in rows:
        r = f"{c / tv:.2f}" if c and tv else "–"
        lines.append(f"| {label} | {better} | {fmt(c)} | {fmt(tv)} | {r} |")
    lines += ["", "| matmul vs raw sgemm (cajal_bench) | cajal matmul GFLOP/s | cblas_sgemm GFLOP/s | ratio |", "|---|---|---|---|"]
    for n in (64, 256, 512):
        c, b = gflops(f"BM_Matmul/{n}/real_time"), gflops(f"BM_Sgemm/{n}/real_time")
        lines.append(f"| N={n} | {fmt(c)} | {fmt(b)} | {f'{c / b:.2f}' if c and b else '–'} |")
    skipped = [f"{b['name']}: {b.get('error_message', '')}" for b in bm.get("benchmarks", []) if b.get("error_occurred")]
    if skipped:
        lines += ["", "Skipped: " + "; ".join(skipped)]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--micro", help="cajal_bench --benchmark_format=json output")
    ap.add_argument("--doc", help="markdown file whose GENERATED section is replaced")
    ap.add_argument("--section", default="main", help="which generated section of --doc to replace")
    ap.add_argument("--command", default="bash bench/compare.sh build")
    args = ap.parse_args()

    recs = load(args.results)
    meta = {}
    for config, r in recs:
        if config == "meta":
            for k, v in r.items():
                if isinstance(v, dict):
                    meta.setdefault(k, {}).update(v)
                else:
                    meta[k] = v
    TORCH_BEST_ENV.update(meta.get("torch_best_env", {}))
    table, notes, by = main_table(recs)
    cajal_gemm = [r for r in by.get("gemm", {}).get("cajal", []) if "error" not in r]
    peaks = [r for c, r in recs if c == "peak_fma" and "error" not in r]
    torch_over = next((r for c, r in recs if c == "torch-overhead" and "error" not in r), None)
    any_torch = next((r for c, r in recs if c.startswith("torch-") and "blas" in r), {})
    any_cajal = next((r for c, r in recs if c == "cajal" and "blas" in r), {})

    out = []
    out.append(f"Measured {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {machine()}; "
               f"{meta.get('runs', '?')} interleaved runs per configuration (separate processes), figures are "
               f"median (min–max). Load average (1/5/15 min) at start {' '.join(meta.get('loadavg_start', []))}, "
               f"at end {' '.join(meta.get('loadavg_end', []))}.")
    try:
        cpus = os.cpu_count() or 1
        start = float(meta.get("loadavg_start", ["0"])[0])
        end = float(meta.get("loadavg_end", ["0"])[0])
        # Before the run the machine should be idle; at the end the 1-minute average includes this
        # benchmark's own threads.
        if start > 1.0 or end > cpus + 1:
            out.append("")
            out.append(f"**Warning: the machine was busy during this measurement** (1-minute load {start} at start, "
                       f"{end} at end, {cpus} CPUs): other processes competed for the cores, and fork-join "
                       "parallel code (both libraries) slows down disproportionately. Re-run on an idle machine.")
    except (ValueError, IndexError):
        pass
    out.append("")
    out.append(f"Command: `{args.command}`")
    out.append("")
    if peaks:
        def pk(key):
            return cell([p[key] for p in peaks if key in p])
        s = f"FMA peak (`bench/peak_fma`, {peaks[0].get('chains')} chains/thread): AVX2 {pk('gflops_avx2')} GFLOP/s on 2 threads, {pk('gflops_avx2_1thread')} on 1"
        if "gflops_avx512" in peaks[0]:
            s += f"; AVX-512 {pk('gflops_avx512')} on 2 threads, {pk('gflops_avx512_1thread')} on 1"
        out.append(s + ".")
        out.append("")
    if any_torch or any_cajal:
        same_blas = bool(any_cajal.get("blas")) and set(any_cajal["blas"]) <= set(any_torch.get("blas", []))
        out.append(f"BLAS: cajal maps {', '.join(any_cajal.get('blas', [])) or '?'}; "
                   f"torch ({any_torch.get('impl', '?')}) maps {', '.join(any_torch.get('blas', [])) or '?'}"
                   + (" (the same OpenBLAS)." if same_blas else "."))
        if meta.get("openblas_coretype"):
            out.append(f"OPENBLAS_CORETYPE={meta['openblas_coretype']} was set for every run.")
        elif meta.get("core_env"):
            out.append(f"OpenBLAS kernels: OpenBLAS detects **{meta.get('openblas_detected_core')}** on this CPU (what torch default "
                       f"runs); cajal re-executes itself with **{meta.get('cajal_core')}** (src/core/blas_env.cpp), and torch best "
                       f"gets the same `{meta['core_env']}`.")
        else:
            out.append(f"OpenBLAS kernels: {any_cajal.get('blas_core', '?')} on both sides (detected).")
        out.append("")
    out.append("Ratios are cajal / torch of the medians. `better` says which direction favours cajal: for "
               "`lower` rows a ratio below 1 means cajal is faster; for `higher` rows (GFLOP/s, samples/s) "
               "a ratio above 1 means cajal is faster.")
    out.append("")
    out += table
    if cajal_gemm:
        out += ["", "cajal's matmul against raw OpenBLAS `cblas_sgemm` on the same matrices, same process, reps interleaved "
                "(`cajal bench gemm`; N = 64 is cajal-only):", ""]
        out += matmul_vs_blas(cajal_gemm)
    micro = micro_table(args.micro, torch_over)
    if micro:
        out += ["", "Micro-benchmarks (`build/bench/cajal_bench`, 2 threads; torch: `bench/torch_overhead.py`, "
                "torch.set_num_threads(2)):", ""]
        out += micro
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    text = "\n".join(out) + "\n"
    print(text)

    if args.doc:
        begin, end = markers(args.section)
        body = f"{begin}\n{text}{end}"
        if os.path.exists(args.doc):
            with open(args.doc) as f:
                doc = f.read()
            if begin in doc and end in doc:
                doc = doc[:doc.index(begin)] + body + doc[doc.index(end) + len(end):]
            else:
                doc = doc.rstrip("\n") + f"\n\n## Measurement ({args.section})\n\n" + body + "\n"
        else:
            doc = f"# cajal performance\n\n## Measurement ({args.section})\n\n" + body + "\n"
        with open(args.doc, "w") as f:
            f.write(doc)
        print(f"(wrote {args.doc})", file=sys.stderr)


if __name__ == "__main__":
    main()
