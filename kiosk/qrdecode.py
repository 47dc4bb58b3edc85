"""Reading QR codes from grey images: the decoders behind one interface, and still images from files.

zxing-cpp is the decoder. Measured on 640×480 frames (DESIGN.md §3) it read every clean, rotated
and 120 px code and 97 % of low-contrast ones in under 1.5 ms a frame, where pyzbar, the design
card's choice, read 75 %, 27 % and none of the blurred or 80 px ones in 4–11 ms; on real
photographs 9 in 10 against 7 in 10. pyzbar stays selectable (`decoder = "pyzbar"`), for
comparison and as a second opinion. Only QR codes (Model 2) are looked for: that makes
zxing-cpp about 5× faster with the same reads, and a product barcode in view is then not even seen.

`kiosk`, the kiosk's own pipeline (the default), is raw zxing-cpp first; only when that reads
nothing, second passes on at most two candidate regions of the frame:

1. candidate regions: the frame's edge density (a 3×3 morphological gradient averaged over 4×4
   cells), thresholded at Otsu's level and at half of it; the densest square-ish blob at each
   level, grown by 30 % for the quiet zone. A code is the densest patch of sharp edges in most
   frames a kiosk sees, and a blurred, small or faint one is still denser than its quiet zone.
   On the tuning corpus a region held the whole code in 1,506 of 1,600 frames (low contrast is
   the weak case: 85 of 160); zxing-cpp's own failed detections (`return_errors`) held it in
   only 40 of the 122 frames it could not read, so they are not used.
2. sharpened: the region unsharp-masked (σ 1.5 px, amount 1.5) and enlarged (cubic) to about
   600 px, at most 3×, then zxing-cpp: blur partly undone, modules of 80 px codes made several
   pixels wide. On the 122 frames of the tuning corpus raw zxing-cpp misses, it reads 57 from
   the first region and 68 from both (blur 31, 80 px 17, low contrast 8, uneven light 7).
3. pyzbar on the regions: zbar's scan-line finder still sees a code whose finder pattern a
   specular highlight has eaten, where zxing-cpp's does not; 35 of the 122 on the first region
   (glare 24 of 30, uneven light 9), 40 on both. It costs more than 10× zxing-cpp a pixel, so
   it comes last; the second region was left out at first (+0.9 ms an empty frame) and is in
   since 2026-12-02: on the held-out seed it read one more glare frame (short codes 90.0 →
   91.2 %, raw zxing-cpp 71.2 %) and one more in uneven light, and the glare frames still
   missed (looked at) have the highlight on a finder pattern.

All three read 94 of those 122 frames (pyzbar on the first region only). By construction the
pipeline reads whatever raw zxing-cpp reads. The cost falls on frames with no code, most of what
a kiosk camera sees: a median of 5.3 ms a 640×480 empty frame here (p95 9.3 ms; 8.4 ms at
1280×720; 3.9–4.3 ms before pyzbar tried the second region), where raw zxing-cpp takes 0.4 ms;
a frame with a code it reads takes 0.7 ms. benchmarks/README.md
has the figures per condition, on a held-out corpus. A false read needs a code that passes
Reed-Solomon: none was seen on any empty frame, by any pass.

Tried and dropped (`benchmarks/bench_qr.py --passes --seed 1`: reads among the 122 misses; ms
a 640×480 / 1280×720 empty frame, with the machine's load about 1):
- the whole frame enlarged 2× (cubic): 57, 2.0 / 5.1 ms; sharpened: 51, 1.5 / 5.2 ms; enlarged
  and sharpened: 73, but 7.3 / 20 ms. Regions read as many for a fraction of the cost.
- CLAHE: 25 (2.0 / 6.7 ms); zxing-cpp's GlobalHistogram or FixedThreshold binarizers: 6 each;
  an adaptive threshold (Gaussian, 15 px) then BoolCast: 48 (2.2 / 7.2 ms), nearly all blur,
  which sharpening reads; the inverted frame: 2 (zxing-cpp already tries inverted codes: it
  reads every dark-mode code); the frame at half size: 0 (zxing-cpp already tries smaller).
- pyzbar on the whole frame: 28, at 6.8 / 20 ms; on both regions instead of one: +5 (+0.9 ms).
- OpenCV's QRCodeDetector: 11, 10 / 22 ms; QRCodeDetectorAruco: 21, 1.7 / 5.5 ms, and 9–45 ms
  on frames with a code. Alone, both read fewer codes than zxing-cpp in every cell but one
  (Aruco, faint long codes at 1280×720: 82.5 % against 75 %), none of the 80 px long ones.
- the region enlarged 3× without sharpening: 50 (sharpening reads 68); the region's contrast
  stretched (1st to 99th percentile) before or after sharpening: no more reads, +0.3–1 ms.
- other sharpening (σ 1 or 2 px, amount 1 or 2.5) and 400 px crops: from 8 fewer to 2 more of
  the 800 frames of the five conditions where raw zxing-cpp fails; the middle values stayed.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp

Decoder = Callable[[np.ndarray], list[str]]

MAX_FILE_BYTES = 64 * 1024 * 1024  # a photo from any camera is far smaller; a bigger file is not one
MAX_PIXELS = 50_000_000  # Pillow's own bomb guard warns at 89 M and fails at 179 M: fail sooner, kindly


def zxing(grey: np.ndarray) -> list[str]:
    """The QR codes zxing-cpp reads in a 2-D uint8 image (a numpy view is read as it is, strides and all).

    Only QR Code Model 2, the QR code everyone prints: zxing-cpp 3's `QRCode` also means Micro QR
    and rMQR, and a Micro QR M1 symbol has no error correction, only 2 check codewords, so bits
    of clutter decode as one (a sharpened crop of code-like tiles read as "903001", M1, level L)."""
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCodeModel2)
    return [code.text for code in found if code.valid]


def pyzbar(grey: np.ndarray) -> list[str]:
    """The QR codes zbar reads (needs the libzbar0 system package)."""
    from pyzbar import pyzbar as zbar

    found = zbar.decode(np.ascontiguousarray(grey), symbols=[zbar.ZBarSymbol.QRCODE])
    return [code.data.decode("utf-8", "replace") for code in found]


# ------------------------------------------------------------------------------------------
# The kiosk's pipeline
# ------------------------------------------------------------------------------------------
CANDIDATES = 2  # regions given second passes: the densest at Otsu's threshold, the densest new one at half of it
DENSITY_CELL = 4  # the edge-density map has one cell per 4×4 pixels (a 640×480 frame: 160×120 cells)
MIN_CODE_PX = 40  # smaller than this, a code's 21+ modules are under 2 px each: unreadable, not worth a pass
CROP_GROW = 1.3  # a region is grown by this (the quiet zone; a blob shrinks at the code's blurred edges)
CROP_PX = 600  # crops are resized so that their longer side is about this ...
MAX_UPSCALE = 3.0  # ... but enlarged at most this much
SHARPEN_SIGMA = 1.5  # unsharp mask, in frame pixels: about the blur of a webcam that is slightly out of focus
SHARPEN_AMOUNT = 1.5
_SQUARE3 = np.ones((3, 3), np.uint8)
# OpenCV is imported where it is used: every `kiosk` command imports this module (for the list of
# decoders), and OpenCV takes about 70 ms to import.


def candidate_regions(grey: np.ndarray, count: int = CANDIDATES) -> list[tuple[int, int, int, int]]:
    """Where a code probably is: square-ish blobs dense in edges (x0, y0, x1, y1), densest first.

    A code is the densest patch of sharp edges in most frames a kiosk sees; a blurred, small or
    faint one is still denser than its quiet zone. Otsu's threshold on the edge density finds
    the strong ones; half of it finds a faint code beside a contrasty poster."""
    import cv2

    height, width = grey.shape
    if min(height, width) < MIN_CODE_PX:
        return []
    cell = max(DENSITY_CELL, width // 320)  # a huge photo: keep the map small
    edges = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, _SQUARE3)
    density = cv2.resize(edges, (width // cell, height // cell), interpolation=cv2.INTER_AREA)
    otsu, _ = cv2.threshold(density, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    found: list[tuple[int, int, int, int]] = []
    for level, wanted in ((otsu, (count + 1) // 2), (otsu / 2, count // 2)):
        boxes = [box for box in _dense_blobs(density, level, cell) if all(_overlap(box, f) < 0.5 for f in found)]
        found += boxes[:wanted]
    return found


def _dense_blobs(density: np.ndarray, level: float, cell: int) -> list[tuple[int, int, int, int]]:
    import cv2

    _, mask = cv2.threshold(density, level, 255, cv2.THRESH_BINARY)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _SQUARE3)  # join a code's modules
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _SQUARE3)  # drop lines and specks
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    scored = []
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        side = max(w, h)
        if side * cell < MIN_CODE_PX or min(w, h) < 0.4 * side:
            continue
        inside = labels[y : y + h, x : x + w] == i
        score = float(density[y : y + h, x : x + w][inside].mean()) * area**0.5
        scored.append((score, (int(x * cell), int(y * cell), int((x + w) * cell), int((y + h) * cell))))
    scored.sort(reverse=True)
    return [box for _, box in scored]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two boxes."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union else 0.0


def region_crop(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The region grown by CROP_GROW to a square (a view of the frame, cut at its edges)."""
    height, width = grey.shape
    x0, y0, x1, y1 = box
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * CROP_GROW / 2
    return grey[
        int(max(0, cy - half)) : int(min(height, cy + half)), int(max(0, cx - half)) : int(min(width, cx + half))
    ]


def sharpened(crop: np.ndarray) -> np.ndarray:
    """Unsharp-masked, then resized to about CROP_PX: blur undone in part, small modules made several pixels."""
    import cv2

    crop = np.ascontiguousarray(crop)
    soft = cv2.GaussianBlur(crop, (0, 0), SHARPEN_SIGMA)
    sharp = cv2.addWeighted(crop, 1 + SHARPEN_AMOUNT, soft, -SHARPEN_AMOUNT, 0)
    scale = min(MAX_UPSCALE, CROP_PX / max(crop.shape))
    if abs(scale - 1) < 0.05:
        return sharp
    return cv2.resize(sharp, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)


def kiosk(grey: np.ndarray) -> list[str]:
    """The kiosk's pipeline: zxing-cpp on the frame; when it reads nothing, second passes on the
    likeliest regions (the module docstring says which and why, with figures)."""
    found = zxing(grey)
    if found:
        return found
    crops = [region_crop(grey, box) for box in candidate_regions(grey)]
    for crop in crops:
        found = zxing(sharpened(crop))
        if found:
            return found
    for crop in crops:  # zbar sees codes whose finder pattern glare has eaten
        found = pyzbar(crop)
        if found:
            return found
    return []


DECODERS: dict[str, Decoder] = {"kiosk": kiosk, "zxing-cpp": zxing, "pyzbar": pyzbar}


@contextmanager
def opened_picture(path: Path) -> Iterator[Any]:
    """A still image opened with Pillow, once it is known to be a camera's picture and not a FIFO (which
    would block), a device or a bomb; ValueError with a reason a person can act on otherwise. Shared by
    `kiosk scan` and the files camera (kiosk.camera.filesource), so both refuse the same files alike."""
    from PIL import Image, UnidentifiedImageError

    try:
        info = path.stat()
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        raise ValueError("not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a camera's picture")
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError(f"{image.width}×{image.height} pixels: more than {MAX_PIXELS:,}")
            yield image
    except UnidentifiedImageError:
        raise ValueError("not an image this kiosk can read (PNG, JPEG and WebP are)") from None
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:  # a truncated or broken file
        raise ValueError(f"the image is damaged ({exc})") from None


def load_grey(path: Path) -> np.ndarray:
    """A still image (PNG, JPEG, WebP, or anything else Pillow reads) as a 2-D uint8 array (ValueError: why not)."""
    with opened_picture(path) as image:
        return np.asarray(image.convert("L"))


def scan_files(paths: Iterable[Path], decoder: Decoder) -> Iterator[dict[str, Any]]:
    """One answer per file, for `kiosk scan`: the codes read and the decoding time, or why it could not be read."""
    for path in paths:
        try:
            grey = load_grey(path)
        except ValueError as exc:
            yield {"file": str(path), "error": str(exc)}
            continue
        started = time.perf_counter()
        codes = decoder(grey)
        yield {"file": str(path), "codes": codes, "ms": round((time.perf_counter() - started) * 1000, 2)}
