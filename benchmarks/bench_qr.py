"""The QR decoders on a generated corpus of camera frames (issue 12's Decoder and Benchmark parts).

    python benchmarks/bench_qr.py                  # or: make bench-qr (about 2 minutes on 2 cores)
    python benchmarks/bench_qr.py --seed 1         # the seed the kiosk pipeline was tuned on
    python benchmarks/bench_qr.py --count 10 --payload short
    python benchmarks/bench_qr.py --passes --seed 1  # what each second pass buys, tried and kept or dropped

For every cell of the corpus (condition × resolution × payload, see qr_corpus.py) it prints the
read rate and the median milliseconds a frame of the kiosk's pipeline beside raw zxing-cpp and
raw pyzbar, all three on the same frames, one frame at a time, each first in turn (so neither a
busy moment of the machine nor a cache the one before warmed favours one); then the issue's
targets with "met" or "MISSED". Nothing fails: machines are noisy. A false read is any text
that is not the frame's pass (on an empty frame, any text at all). The default seed is the
held-out one, which the pipeline was not tuned on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from figures import at_least, at_most, percentile

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import qr_corpus  # beside this file

from kiosk import qrdecode
from kiosk.qrdecode import DECODERS, Decoder

NAMES = ("kiosk", "zxing-cpp", "pyzbar")
FRAME_BUDGET_MS = 10.0  # a 640×480 frame, median, on this machine (a Pi 4 is several times slower)
BETTER_BY = 20.0  # points over raw zxing-cpp on blur, glare and 80 px codes
HARD = ("blur", "glare", "clean-80")


@dataclass
class Tally:
    """One decoder on one cell."""

    read: int = 0
    false: int = 0
    ms: list[float] = field(default_factory=list)

    def rate(self, frames: int) -> float:
        return 100.0 * self.read / frames if frames else float("nan")


def measure(frames: list[qr_corpus.Frame], decoders: dict[str, Decoder]) -> dict[str, Tally]:
    tallies = {name: Tally() for name in decoders}
    names = list(decoders)
    for i, frame in enumerate(frames):
        for name in names[i % len(names) :] + names[: i % len(names)]:  # each goes first in turn (warm caches)
            decode = decoders[name]
            started = time.perf_counter()
            codes = decode(frame.grey)
            tallies[name].ms.append((time.perf_counter() - started) * 1000)
            tallies[name].read += frame.expected is not None and frame.expected in codes
            tallies[name].false += sum(1 for code in codes if code != frame.expected)
    return tallies


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=qr_corpus.HELD_OUT_SEED,
                        help=f"corpus seed (default {qr_corpus.HELD_OUT_SEED}, held out; "
                             f"{qr_corpus.TUNE_SEED} is the tuning seed)")  # fmt: skip
    parser.add_argument("--count", type=int, default=40, help="frames a cell (default 40)")
    parser.add_argument("--empty-count", type=int, default=120, help="empty frames a resolution (default 120)")
    parser.add_argument("--payload", action="append", choices=qr_corpus.PAYLOADS, help="only this payload")
    parser.add_argument("--resolution", action="append", choices=list(qr_corpus.RESOLUTIONS))
    parser.add_argument("--condition", action="append", choices=[*qr_corpus.CONDITIONS, *qr_corpus.STRESS_CONDITIONS])
    parser.add_argument(
        "--stress",
        action="store_true",
        help="the harder frames outside the corpus's ranges instead (qr_corpus.STRESS_CONDITIONS)",
    )
    what = "instead: each second pass tried, on the frames raw zxing-cpp misses, and its cost"
    parser.add_argument("--passes", action="store_true", help=what)
    args = parser.parse_args()

    print(f"QR decoders, {time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {load()}")
    print(f"corpus seed {args.seed}; {args.count} frames a cell, {args.empty_count} empty frames a resolution")
    default = qr_corpus.STRESS_CONDITIONS if args.stress else qr_corpus.CONDITIONS
    cells = qr_corpus.cells(args.count, args.empty_count, args.condition or default,
                            args.resolution or qr_corpus.RESOLUTIONS, args.payload or qr_corpus.PAYLOADS)  # fmt: skip
    if args.passes:
        return passes(cells, args.seed)
    decoders = {name: DECODERS[name] for name in NAMES}
    header = f"{'condition':<13} {'resolution':<9} {'payload':<7}" + "".join(f" | {n:>18}" for n in NAMES)
    print("\nread % / median ms a frame" + " " * 34 + "(F: false reads)")
    print(header)
    print("-" * len(header))
    results: list[tuple[qr_corpus.Cell, dict[str, Tally]]] = []
    made = 0.0
    for cell in cells:
        started = time.perf_counter()
        cell = qr_corpus.fill(cell, args.seed)
        made += time.perf_counter() - started
        tallies = measure(cell.frames, decoders)
        results.append((cell, tallies))
        row = f"{cell.condition:<13} {cell.resolution:<9} {cell.payload or '-':<7}"
        for name in NAMES:
            t = tallies[name]
            false = f" F{t.false}" if t.false else ""
            row += f" | {t.rate(cell.count):5.1f} % {statistics.median(t.ms):6.2f} ms{false:>3}"
        print(row, flush=True)
    print(f"(making the frames took {made:.0f} s)")
    summary(results)
    print(f"\nat the end: {load()}")
    return 0


def summary(results: list[tuple[qr_corpus.Cell, dict[str, Tally]]]) -> None:
    """The issue's targets, then read rates by payload (the team chooses the pass code's length from them)."""
    print("\nTargets (kiosk pipeline)")
    worse = [(c, t) for c, t in results if c.payload and t["kiosk"].read < t["zxing-cpp"].read]
    print(f"  at least raw zxing-cpp in every cell: {len(results) - len(worse)} of {len(results)} cells: "
          f"{'met' if not worse else 'MISSED'}"
          + "".join(f"\n    {c.condition} {c.resolution} {c.payload}: {t['kiosk'].rate(c.count):.1f} % against "
                    f"{t['zxing-cpp'].rate(c.count):.1f} %" for c, t in worse))  # fmt: skip
    print(f"  at least {BETTER_BY:.0f} points over raw zxing-cpp on blur, glare and 80 px (capped at 100 %), by cell "
          "and then both resolutions together:")  # fmt: skip
    groups: dict[tuple[str, str, str], list[tuple[qr_corpus.Cell, dict[str, Tally]]]] = {}
    for cell, t in results:
        if cell.condition in HARD and cell.payload:
            groups.setdefault((cell.condition, cell.resolution, cell.payload), []).append((cell, t))
            groups.setdefault((cell.condition, "both", cell.payload), []).append((cell, t))
    for (condition, resolution, payload), chosen in sorted(groups.items(), key=lambda g: g[0][1] == "both"):
        frames = sum(c.count for c, _ in chosen)
        kiosk, raw = (100.0 * sum(t[n].read for _, t in chosen) / frames for n in ("kiosk", "zxing-cpp"))
        wanted = min(100.0, raw + BETTER_BY)
        print(f"    {condition:<9} {resolution:<9} {payload:<6} {kiosk:5.1f} % against {raw:5.1f} % "
              f"({kiosk - raw:+5.1f}; wanted {wanted:5.1f} %): {at_least(kiosk, wanted)}")  # fmt: skip
    has_empty = any(c.payload is None for c, _ in results)
    for name in NAMES:
        empty_false = sum(t[name].false for c, t in results if c.payload is None)
        other_false = sum(t[name].false for c, t in results if c.payload is not None)
        verdict = "met" if not empty_false else "MISSED"
        if not has_empty:
            print(f"  false reads ({name}): {other_false} on frames with a pass (no empty frames in this run)")
        elif name == "kiosk" or empty_false or other_false:
            print(f"  no false reads ({name}): {empty_false} on empty frames ({verdict}), {other_false} on frames "
                  f"with a pass")  # fmt: skip
    for resolution in qr_corpus.RESOLUTIONS:
        all_ms = [ms for c, t in results if c.resolution == resolution for ms in t["kiosk"].ms]
        empty_ms = [ms for c, t in results if c.resolution == resolution and c.payload is None for ms in t["kiosk"].ms]
        if not all_ms:
            continue
        budget = resolution == "640x480"
        for what, values in (("all frames", all_ms), ("empty frames", empty_ms)):
            if not values:
                continue
            median = percentile(values, 50)
            verdict = (
                f"target ≤ {FRAME_BUDGET_MS:.0f} ms: {at_most(median, FRAME_BUDGET_MS)}" if budget else "no target"
            )
            print(f"  {resolution}, {what}: median {median:.2f} ms, p95 {percentile(values, 95):.2f} ms, "
                  f"max {max(values):.2f} ms ({verdict})")  # fmt: skip
    print("  pass in view to confirmation drawn ≤ 300 ms: measured by bench_kiosk.py --only pass, not here")

    print("\nRead % by payload, each condition over both resolutions (kiosk / zxing-cpp / pyzbar)")
    payloads = sorted({c.payload for c, _ in results if c.payload}, key=qr_corpus.PAYLOADS.index)
    print(f"{'condition':<13}" + "".join(f" | {p + ' payload':>21}" for p in payloads))
    conditions = list(dict.fromkeys(cell.condition for cell, _ in results if cell.payload))
    means: dict[str, list[float]] = {p: [] for p in payloads}
    for condition in conditions:
        row = f"{condition:<13}"
        for payload in payloads:
            chosen = [(c, t) for c, t in results if c.condition == condition and c.payload == payload]
            frames = sum(c.count for c, _ in chosen)
            rates = [100.0 * sum(t[n].read for _, t in chosen) / frames for n in NAMES]
            means[payload].append(rates[0])
            row += " | " + " / ".join(f"{r:5.1f}" for r in rates)
        print(row)
    print(f"{'mean (kiosk)':<13}" + "".join(f" | {statistics.mean(m):5.1f}{'':16}" for m in means.values()))


# ------------------------------------------------------------------------------------------
# Second passes, tried one by one (--passes)
# ------------------------------------------------------------------------------------------
def _whole_frame_passes() -> dict[str, Decoder]:
    """Second passes on the whole frame, each alone: what was tried before regions were (and OpenCV's detectors)."""
    import cv2
    import zxingcpp

    qr = zxingcpp.BarcodeFormat.QRCodeModel2  # as kiosk.qrdecode reads
    clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))

    def zx(grey, **options) -> list[str]:  # type: ignore[no-untyped-def]
        return [c.text for c in zxingcpp.read_barcodes(grey, formats=qr, **options) if c.valid]

    def up2(grey):  # type: ignore[no-untyped-def]
        return cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)

    def sharp(grey, sigma: float = qrdecode.SHARPEN_SIGMA):  # type: ignore[no-untyped-def]
        soft = cv2.GaussianBlur(grey, (0, 0), sigma)
        return cv2.addWeighted(grey, 1 + qrdecode.SHARPEN_AMOUNT, soft, -qrdecode.SHARPEN_AMOUNT, 0)

    def opencv(detector):  # type: ignore[no-untyped-def]
        def decode(grey) -> list[str]:  # type: ignore[no-untyped-def]
            try:
                ok, texts, _, _ = detector.detectAndDecodeMulti(np.ascontiguousarray(grey))
            except cv2.error:
                return []
            return [t for t in texts if t] if ok else []

        return decode

    def half(grey) -> list[str]:  # type: ignore[no-untyped-def]
        return zx(cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))

    return {
        "frame ×2 (cubic)": lambda g: zx(up2(g)),
        "frame sharpened": lambda g: zx(sharp(g)),
        "frame ×2 and sharpened": lambda g: zx(sharp(up2(g), 2 * qrdecode.SHARPEN_SIGMA)),
        "frame CLAHE": lambda g: zx(clahe.apply(np.ascontiguousarray(g))),
        "frame GlobalHistogram binarizer": lambda g: zx(g, binarizer=zxingcpp.Binarizer.GlobalHistogram),
        "frame FixedThreshold binarizer": lambda g: zx(g, binarizer=zxingcpp.Binarizer.FixedThreshold),
        "frame adaptive threshold 15 px": lambda g: zx(
            cv2.adaptiveThreshold(
                np.ascontiguousarray(g), 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 15, 0
            ),
            binarizer=zxingcpp.Binarizer.BoolCast,
        ),
        "frame inverted": lambda g: zx(255 - g),
        "frame at half size": half,
        "frame pyzbar": qrdecode.pyzbar,
        "OpenCV QRCodeDetector": opencv(cv2.QRCodeDetector()),
        "OpenCV QRCodeDetectorAruco": opencv(cv2.QRCodeDetectorAruco()),
    }


def _region_passes() -> dict[str, Decoder]:
    """The pipeline's own passes on its regions, alone and in the pipeline's order."""

    def on_regions(decode: Decoder, which: slice) -> Decoder:
        def second(grey: np.ndarray) -> list[str]:
            for box in qrdecode.candidate_regions(grey)[which]:
                found = decode(qrdecode.region_crop(grey, box))
                if found:
                    return found
            return []

        return second

    sharpen = on_regions(lambda c: qrdecode.zxing(qrdecode.sharpened(c)), slice(None))
    return {
        "regions: sharpened, first region only": on_regions(lambda c: qrdecode.zxing(qrdecode.sharpened(c)), slice(1)),
        "regions: sharpened (both regions)": sharpen,
        "regions: pyzbar, first region": on_regions(qrdecode.pyzbar, slice(1)),
        "regions: pyzbar, both regions": on_regions(qrdecode.pyzbar, slice(None)),
        "regions: ×3 without sharpening": on_regions(lambda c: qrdecode.zxing(_enlarged(c)), slice(None)),
        "the kiosk pipeline's second passes": lambda g: sharpen(g) or on_regions(qrdecode.pyzbar, slice(1))(g),
    }


def _enlarged(crop: np.ndarray) -> np.ndarray:
    import cv2

    scale = min(qrdecode.MAX_UPSCALE, qrdecode.CROP_PX / max(crop.shape))
    return cv2.resize(np.ascontiguousarray(crop), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def passes(cells: list[qr_corpus.Cell], seed: int) -> int:
    """Each second pass alone on the frames raw zxing-cpp misses: how many it reads, what it costs on empty frames."""
    tried = {**_region_passes(), **_whole_frame_passes()}
    missed: list[qr_corpus.Frame] = []
    empty: dict[str, list[qr_corpus.Frame]] = {}
    total = 0
    for cell in cells:
        cell = qr_corpus.fill(cell, seed)
        if cell.payload is None:
            empty[cell.resolution] = cell.frames[:40]
            continue
        total += len(cell.frames)
        missed += [f for f in cell.frames if f.expected not in qrdecode.zxing(f.grey)]
    print(f"\nraw zxing-cpp misses {len(missed)} of {total} frames with a pass; each second pass alone on those:")
    by_condition = sorted({f.condition for f in missed}, key=qr_corpus.CONDITIONS.index)
    print(f"{'pass':<40} {'read':>5}  " + " ".join(f"{c[:8]:>8}" for c in by_condition)
          + "".join(f" | empty {r}" for r in empty) + "  (median ms; F: false reads)")  # fmt: skip
    for name, decode in tried.items():
        reads = {c: 0 for c in by_condition}
        false = 0
        for frame in missed:
            codes = decode(frame.grey)
            reads[frame.condition] += frame.expected in codes
            false += sum(1 for code in codes if code != frame.expected)
        costs = []
        for frames in empty.values():
            times = []
            for frame in frames:
                started = time.perf_counter()
                false += len(decode(frame.grey))
                times.append((time.perf_counter() - started) * 1000)
            costs.append(f" | {statistics.median(times):13.2f}" + " " * (len(frames[0].resolution) - 7))
        counts = " ".join(f"{reads[c]:>8}" for c in by_condition)
        print(f"{name:<40} {sum(reads.values()):>5}  {counts}" + "".join(costs) + (f"  F{false}" if false else ""),
              flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
