"""Grey camera frames of visitor passes, made from real QR codes, for measuring the kiosk's decoder.

Deterministic: a frame depends only on (seed, condition, resolution, payload, index), so the
decoder is tuned on one seed and reported on another it has never seen (TUNE_SEED, HELD_OUT_SEED).

Each frame is a cluttered scene (shapes, lines, text, blocky textures that look like codes to a
detector, finder-like squares) with a pass in it: a printed card or a phone screen (dark bezel),
the code rendered by qrcode with its quiet zone, sometimes text beside it, placed in 3-D (a tilt
and a turn, seen through a pinhole camera), drawn supersampled and averaged down so that small
codes alias as a camera's sensor would. Then, in the order light takes: illumination (a mild
gradient, or strongly uneven), a specular blob (glare), optical blur, sensor noise, 8-bit
quantisation, and JPEG. "Code size" is the code's side in frame pixels, without its quiet zone,
the same at both resolutions (what matters to a decoder is pixels per module).

Payloads have the shapes the team is choosing between, random letters each frame:
- short: "WK1" + 24 base32 characters (A-Z, 2-7) + 1 check character, 28 characters, all in QR's
  alphanumeric set: version 2 (25×25 modules) at error correction level Q.
- long: a pretix-style signed ticket, 84 random bytes in base64, 112 characters (byte mode):
  version 7 (45×45) at level M.

    python benchmarks/qr_corpus.py OUT_DIR [--seed N] [--count N]   # writes PNGs to look at
"""

from __future__ import annotations

import argparse
import base64
import functools
import math
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

TUNE_SEED = 1  # the seed the pipeline's passes were chosen on
HELD_OUT_SEED = 2  # the seed figures are reported on

RESOLUTIONS: dict[str, tuple[int, int]] = {"640x480": (640, 480), "1280x720": (1280, 720)}
PAYLOADS = ("short", "long")
CONDITIONS = (
    "clean-200", "clean-120", "clean-80", "perspective", "blur", "low-contrast", "glare", "inverted",
    "jpeg", "uneven-light", "empty",
)  # fmt: skip
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
MODULE_PX = 12  # the card is drawn at this many pixels a module before it is placed in the scene
WORDS = (
    "Visitor", "PASS", "Welcome", "Maria", "Room 104", "Library", "Conference", "Exit", "Office", "8:30",
    "Lincoln Elementary", "Bienvenidos", "Wednesday", "Sign in here", "No entry", "Nurse", "Gym", "Thank you",
)  # fmt: skip


@dataclass(frozen=True)
class Frame:
    """One picture a camera might hand the decoder, and the pass text in it (None: no code)."""

    grey: np.ndarray
    expected: str | None
    condition: str
    resolution: str
    payload: str | None
    index: int
    corners: np.ndarray | None = field(default=None, repr=False)  # the code's 4 corners in the frame (x, y)


@dataclass(frozen=True)
class Look:
    """How a pass is seen; each condition changes some of these from the everyday defaults."""

    code_px: tuple[float, float] = (120.0, 200.0)
    turn_deg: tuple[float, float] = (-10.0, 10.0)
    tilt_deg: tuple[float, float] = (0.0, 12.0)
    blur_sigma: tuple[float, float] = (0.4, 0.8)
    noise_sigma: tuple[float, float] = (1.5, 3.0)
    paper: tuple[int, int] = (190, 240)
    contrast: tuple[int, int] = (150, 200)  # paper minus ink, grey levels, before the light falls on it
    light_min: tuple[float, float] = (0.8, 1.0)  # the darkest corner of the illumination field
    light_kind: str = "gradient"  # gradient | uneven
    glare: bool = False
    inverted: bool = False
    jpeg_quality: tuple[int, int] | None = None
    motion_px: tuple[int, int] | None = None  # camera shake: a straight smear this long, any direction
    code: bool = True
    phone: float = 0.4  # the chance that the pass is on a phone screen (dark bezel), else a printed card


LOOKS: dict[str, Look] = {
    "clean-200": Look(code_px=(195, 205), turn_deg=(-8, 8), tilt_deg=(0, 8)),
    "clean-120": Look(code_px=(117, 123), turn_deg=(-8, 8), tilt_deg=(0, 8)),
    "clean-80": Look(code_px=(78, 82), turn_deg=(-8, 8), tilt_deg=(0, 8)),
    "perspective": Look(turn_deg=(0, 360), tilt_deg=(20, 45)),
    "blur": Look(blur_sigma=(1.0, 2.0), noise_sigma=(3.0, 8.0)),
    "low-contrast": Look(paper=(140, 200), contrast=(20, 45), noise_sigma=(1.5, 4.0)),
    "glare": Look(glare=True, phone=0.6),
    "inverted": Look(inverted=True, phone=1.0),
    "jpeg": Look(jpeg_quality=(8, 25)),
    "uneven-light": Look(light_kind="uneven", light_min=(0.12, 0.35)),
    "empty": Look(code=False),
}
# Harder than the corpus, outside its ranges (`bench_qr.py --stress`): to see how the pipeline does on
# kinds of frames it was not tuned on. No targets: some of these are past what any decoder here reads.
STRESS_CONDITIONS = ("tiny-60", "blur-2.5", "contrast-15", "jpeg-5", "dim", "small-tilted", "shaken")
LOOKS.update({
    "tiny-60": Look(code_px=(58, 62), turn_deg=(-8, 8), tilt_deg=(0, 8)),
    "blur-2.5": Look(blur_sigma=(2.0, 2.8), noise_sigma=(2.0, 5.0)),
    "contrast-15": Look(paper=(120, 200), contrast=(12, 20)),
    "jpeg-5": Look(jpeg_quality=(4, 8)),
    "dim": Look(light_min=(0.15, 0.3), paper=(60, 90), contrast=(40, 60), noise_sigma=(3.0, 6.0)),
    "small-tilted": Look(code_px=(80, 110), turn_deg=(0, 360), tilt_deg=(25, 45)),
    "shaken": Look(code_px=(117, 123), motion_px=(5, 12)),
})  # fmt: skip


# ------------------------------------------------------------------------------------------
# Payloads and codes
# ------------------------------------------------------------------------------------------
def short_payload(rng: np.random.Generator) -> str:
    """The kiosk's own pass code shape: "WK1", 24 base32 characters, a check character."""
    body = "".join(BASE32[i] for i in rng.integers(0, 32, 24))
    check = BASE32[sum((i + 1) * BASE32.index(c) for i, c in enumerate(body)) % 32]
    return "WK1" + body + check


def long_payload(rng: np.random.Generator) -> str:
    """A pretix-style signed code: a version byte, a small protobuf and an Ed25519 signature, in base64."""
    return base64.b64encode(rng.integers(0, 256, 84, dtype=np.uint8).tobytes()).decode()[::-1]


def qr_modules(text: str, payload: str) -> np.ndarray:
    """The code's modules (True = dark), no quiet zone: level Q for the short payload, M for the long."""
    level = qrcode.constants.ERROR_CORRECT_Q if payload == "short" else qrcode.constants.ERROR_CORRECT_M
    qr = qrcode.QRCode(error_correction=level, border=0)
    qr.add_data(text)
    qr.make(fit=True)
    return np.array(qr.get_matrix(), dtype=bool)


# ------------------------------------------------------------------------------------------
# Scenes
# ------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))  # Pillow's own font: no system fonts needed


def clutter(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A busy background: a front office seen by a webcam, as far as a decoder is concerned."""
    yy, xx = _grid(height, width)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx * math.cos(angle) + yy * math.sin(angle)) / max(width, height)
    base = rng.uniform(70, 190) + rng.uniform(-50, 50) * ramp
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    scale = width / 640
    for _ in range(int(rng.integers(10, 26))):
        x0, y0 = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        w, h = rng.uniform(20, 260) * scale, rng.uniform(20, 200) * scale
        fill = int(rng.integers(0, 256))
        kind = rng.integers(0, 4)
        if kind == 0:
            draw.rectangle((x0, y0, x0 + w, y0 + h), fill=fill)
        elif kind == 1:
            draw.ellipse((x0, y0, x0 + w, y0 + h), fill=fill)
        elif kind == 2:
            draw.line((x0, y0, x0 + w * rng.choice([-1, 1]), y0 + h), fill=fill, width=int(rng.integers(1, 9)))
        else:
            points = [(x0 + rng.uniform(0, w), y0 + rng.uniform(0, h)) for _ in range(int(rng.integers(3, 7)))]
            draw.polygon(points, fill=fill)
    for _ in range(int(rng.integers(3, 9))):  # signs, posters, a screen
        text = " ".join(rng.choice(WORDS, int(rng.integers(1, 4))))
        draw.text((rng.uniform(0, 0.9) * width, rng.uniform(0, 0.95) * height), text,
                  fill=int(rng.integers(0, 256)), font=_font(int(rng.uniform(10, 56) * scale)))  # fmt: skip
    grey = np.asarray(image, dtype=np.float32).copy()
    for _ in range(int(rng.integers(1, 4))):  # blocky textures: tiles, a keyboard, a printed pattern
        block = int(rng.integers(2, 9))
        cells = rng.integers(4, 30, 2)
        tile = rng.random((cells[0], cells[1])) < rng.uniform(0.3, 0.7)
        if rng.random() < 0.3:  # a checkerboard
            tile = (np.add.outer(np.arange(cells[0]), np.arange(cells[1])) % 2).astype(bool)
        patch = np.kron(tile, np.ones((block, block)))
        _paste(grey, patch * rng.uniform(80, 200) + rng.uniform(0, 50), rng)
    for _ in range(int(rng.integers(0, 3))):  # squares inside squares, like a code's finder patterns
        unit = int(rng.integers(2, 7))
        ring = np.ones((7, 7))
        ring[1:6, 1:6] = 0
        ring[2:5, 2:5] = 1
        _paste(grey, (1 - np.kron(ring, np.ones((unit, unit)))) * 200 + 20, rng)
    sigma = rng.uniform(0, 1.5)  # the background is often out of focus
    return cv2.GaussianBlur(grey, (0, 0), sigma) if sigma > 0.3 else grey


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates that broadcast (a column and a row, not two full frames)."""
    return np.arange(height, dtype=np.float32)[:, None], np.arange(width, dtype=np.float32)[None, :]


def _paste(grey: np.ndarray, patch: np.ndarray, rng: np.random.Generator) -> None:
    h, w = grey.shape
    ph, pw = min(patch.shape[0], h), min(patch.shape[1], w)
    y, x = int(rng.integers(0, h - ph + 1)), int(rng.integers(0, w - pw + 1))
    grey[y : y + ph, x : x + pw] = patch[:ph, :pw]


def card(modules: np.ndarray, look: Look, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float]]:
    """The pass as printed or shown (grey levels at MODULE_PX a module), and where its code's centre is on it."""
    n = modules.shape[0]
    u = MODULE_PX
    paper = float(rng.uniform(*look.paper))
    ink = max(0.0, paper - float(rng.uniform(*look.contrast)))
    light, dark = (ink, paper) if look.inverted else (paper, ink)  # dark mode: light modules on a dark screen
    quiet = 4 + int(rng.integers(0, 5))
    text_band = int(rng.integers(3, 7)) if rng.random() < 0.6 else 0
    width, height = (n + 2 * quiet) * u, (n + 2 * quiet + text_band) * u
    image = Image.new("F", (width, height), light)
    draw = ImageDraw.Draw(image)
    for r, c in zip(*np.nonzero(modules), strict=True):
        x, y = (quiet + c) * u, (quiet + r) * u
        draw.rectangle((x, y, x + u - 1, y + u - 1), fill=dark)
    if text_band:
        words = " ".join(rng.choice(WORDS, 2))
        draw.text((quiet * u, (quiet + n + 1) * u), words, fill=dark, font=_font(int(u * 1.8)))
    grey = np.asarray(image, dtype=np.float32)
    centre = ((quiet + n / 2) * u, (quiet + n / 2) * u)
    if rng.random() < look.phone:  # a phone: the screen inside a dark bezel
        bezel = int(rng.integers(1, 4)) * u
        framed = np.full((height + 2 * bezel, width + 2 * bezel), rng.uniform(5, 35), np.float32)
        framed[bezel:-bezel, bezel:-bezel] = grey
        grey, centre = framed, (centre[0] + bezel, centre[1] + bezel)
    return grey, centre


def placement(rng: np.random.Generator, look: Look, card_shape: tuple[int, int], centre: tuple[float, float],
              code_side: float, frame: tuple[int, int]) -> np.ndarray:  # fmt: skip
    """A homography from card pixels to frame pixels: the card turned and tilted in front of a pinhole camera."""
    width, height = frame
    size = rng.uniform(*look.code_px)
    scale = size / code_side  # frame pixels per card pixel, at the code's centre
    h, w = card_shape
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) - centre
    turn = math.radians(rng.uniform(*look.turn_deg))
    tilt = math.radians(rng.uniform(*look.tilt_deg))
    axis = rng.uniform(0, 2 * math.pi)  # the direction the card leans away
    rz = np.array([[math.cos(turn), -math.sin(turn), 0], [math.sin(turn), math.cos(turn), 0], [0, 0, 1]])
    ux, uy = math.cos(axis), math.sin(axis)  # Rodrigues' rotation about (ux, uy, 0)
    k = np.array([[0, 0, uy], [0, 0, -ux], [-uy, ux, 0]])
    rt = np.eye(3) + math.sin(tilt) * k + (1 - math.cos(tilt)) * (k @ k)
    points = np.c_[corners, np.zeros(4)] @ (rt @ rz).T
    distance = 2.5 * max(w, h)  # the camera's distance, in card pixels: a webcam's wide angle at arm's length
    focal = scale * distance
    projected = focal * points[:, :2] / (distance + points[:, 2:3])
    margin = size * 0.7
    cx = rng.uniform(min(margin, width / 2), max(width - margin, width / 2))
    cy = rng.uniform(min(margin, height / 2), max(height - margin, height / 2))
    dst = (projected + [cx, cy]).astype(np.float32)
    return cv2.getPerspectiveTransform((corners + centre).astype(np.float32), dst)


def composite(scene: np.ndarray, card_grey: np.ndarray, homography: np.ndarray, module_px: float) -> None:
    """Draw the card into the scene, supersampled then averaged down (a sensor's pixels integrate light)."""
    height, width = scene.shape
    h, w = card_grey.shape
    corners = cv2.perspectiveTransform(np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float32), homography)[0]
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 <= x0 or y1 <= y0:
        return
    s = int(np.clip(math.ceil(10 / module_px), 2, 8))
    to_patch = np.array([[s, 0, -s * x0], [0, s, -s * y0], [0, 0, 1]], np.float64) @ homography
    size = ((x1 - x0) * s, (y1 - y0) * s)
    warped = cv2.warpPerspective(card_grey, to_patch, size, flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpPerspective(np.ones_like(card_grey), to_patch, size, flags=cv2.INTER_LINEAR, borderValue=0)
    warped = cv2.resize(warped, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    region = scene[y0:y1, x0:x1]
    region[:] = region * (1 - mask) + warped


def illumination(rng: np.random.Generator, look: Look, shape: tuple[int, int], around: tuple[float, float],
                 size: float) -> np.ndarray:  # fmt: skip
    """A light field in (0, 1]: a mild gradient, or strongly uneven (a vignette, a shadow's edge) over the code."""
    height, width = shape
    yy, xx = _grid(height, width)
    low = float(rng.uniform(*look.light_min))
    angle = rng.uniform(0, 2 * math.pi)
    if look.light_kind == "gradient":
        t = ((xx - around[0]) * math.cos(angle) + (yy - around[1]) * math.sin(angle)) / max(width, height)
        return np.clip(1 - (1 - low) * (t + 0.5), low, 1.0)
    kind = rng.integers(0, 3)
    if kind == 0:  # a lamp off to one side: light falls off over about the code's size
        lx = around[0] + math.cos(angle) * size * rng.uniform(0.3, 0.8)
        ly = around[1] + math.sin(angle) * size * rng.uniform(0.3, 0.8)
        d2 = ((xx - lx) ** 2 + (yy - ly) ** 2) / (size * rng.uniform(0.5, 0.9)) ** 2
        return low + (1 - low) * np.exp(-d2)
    if kind == 1:  # a steep gradient across the code
        t = ((xx - around[0]) * math.cos(angle) + (yy - around[1]) * math.sin(angle)) / (size * 1.2)
        return np.clip(1 - (1 - low) * (t + 0.5), low, 1.0)
    # the edge of a shadow (a hand, the kiosk's own hood) across the code, with a soft penumbra
    offset = rng.uniform(-0.3, 0.3) * size
    t = ((xx - around[0]) * math.cos(angle) + (yy - around[1]) * math.sin(angle) - offset) / (size * 0.04)
    t = np.clip(t, -50, 50)
    return low + (1 - low) / (1 + np.exp(-t))


def glare(rng: np.random.Generator, shape: tuple[int, int], around: tuple[float, float], size: float) -> np.ndarray:
    """A specular highlight on a phone's glass or a laminated pass: a bright, saturating, elliptical blob."""
    height, width = shape
    yy, xx = _grid(height, width)
    cx = around[0] + rng.uniform(-0.35, 0.35) * size
    cy = around[1] + rng.uniform(-0.35, 0.35) * size
    a, b = size * rng.uniform(0.12, 0.28), size * rng.uniform(0.06, 0.16)
    angle = rng.uniform(0, math.pi)
    u = (xx - cx) * math.cos(angle) + (yy - cy) * math.sin(angle)
    v = -(xx - cx) * math.sin(angle) + (yy - cy) * math.cos(angle)
    return rng.uniform(180, 320) * np.exp(-(((u / a) ** 2 + (v / b) ** 2) ** 1.5))


def render(rng: np.random.Generator, look: Look, frame: tuple[int, int],
           modules: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    """One frame: the scene, the pass placed in it, then light, glare, optics, the sensor and the encoder;
    and where the code's corners are in it."""
    width, height = frame
    scene = clutter(rng, width, height)
    around, size = (width / 2, height / 2), 150.0
    corners = None
    if modules is not None:
        card_grey, centre = card(modules, look, rng)
        homography = placement(rng, look, card_grey.shape, centre, modules.shape[0] * MODULE_PX, frame)
        mapped = cv2.perspectiveTransform(np.array([[centre]], np.float32), homography)[0, 0]
        around = (float(mapped[0]), float(mapped[1]))
        edge = cv2.perspectiveTransform(np.array([[(centre[0] + modules.shape[0] * MODULE_PX / 2, centre[1])]],
                                                 np.float32), homography)[0, 0]  # fmt: skip
        size = 2 * float(np.hypot(*(edge - mapped)))
        half = modules.shape[0] * MODULE_PX / 2
        square = [[(centre[0] + dx * half, centre[1] + dy * half) for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]]
        corners = cv2.perspectiveTransform(np.array(square, np.float32), homography)[0]
        composite(scene, card_grey, homography, size / modules.shape[0])
    scene *= illumination(rng, look, scene.shape, around, size)
    if look.glare:
        scene += glare(rng, scene.shape, around, size)
    scene = cv2.GaussianBlur(scene, (0, 0), float(rng.uniform(*look.blur_sigma)))
    if look.motion_px:
        scene = cv2.filter2D(scene, -1, smear(rng, int(rng.integers(*look.motion_px))))
    scene += rng.normal(0, rng.uniform(*look.noise_sigma), scene.shape).astype(np.float32)
    grey = np.clip(np.rint(scene), 0, 255).astype(np.uint8)
    if look.jpeg_quality:
        _, data = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(*look.jpeg_quality))])
        grey = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return grey, corners


def smear(rng: np.random.Generator, length: int) -> np.ndarray:
    """A motion-blur kernel: a line `length` pixels long at a random angle, summing to 1."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1
    turn = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    return kernel / kernel.sum()


def frame_rng(seed: int, *names: object) -> np.random.Generator:
    """A generator for one frame, the same on every run and Python (str hashes are salted: use CRC-32)."""
    return np.random.default_rng([seed, *(zlib.crc32(str(n).encode()) for n in names)])


def frames(condition: str, resolution: str, payload: str | None, count: int, seed: int) -> Iterator[Frame]:
    """`count` frames of one cell (payload is ignored for "empty")."""
    look = LOOKS[condition]
    payload = payload if look.code else None
    for index in range(count):
        rng = frame_rng(seed, condition, resolution, payload, index)
        text = None
        modules = None
        if payload is not None:
            text = short_payload(rng) if payload == "short" else long_payload(rng)
            modules = qr_modules(text, payload)
        grey, corners = render(rng, look, RESOLUTIONS[resolution], modules)
        yield Frame(grey, text, condition, resolution, payload, index, corners)


@dataclass
class Cell:
    """A named cell of the corpus: condition × resolution × payload (None for empty frames)."""

    condition: str
    resolution: str
    payload: str | None
    count: int
    frames: list[Frame] = field(default_factory=list, repr=False)


def cells(count: int, empty_count: int | None = None, conditions: Iterable[str] = CONDITIONS,
          resolutions: Iterable[str] = RESOLUTIONS, payloads: Iterable[str] = PAYLOADS) -> list[Cell]:  # fmt: skip
    """The corpus's cells, in print order (frames not made yet: see `fill`)."""
    out = []
    for condition in conditions:
        for resolution in resolutions:
            if not LOOKS[condition].code:
                out.append(Cell(condition, resolution, None, empty_count or count))
                continue
            for payload in payloads:
                out.append(Cell(condition, resolution, payload, count))
    return out


def fill(cell: Cell, seed: int) -> Cell:
    return replace(cell, frames=list(frames(cell.condition, cell.resolution, cell.payload, cell.count, seed)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=TUNE_SEED)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--condition", action="append", choices=CONDITIONS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for cell in cells(args.count, conditions=args.condition or CONDITIONS):
        for f in fill(cell, args.seed).frames:
            name = f"{f.condition}-{f.resolution}-{f.payload or 'none'}-{f.index:03d}.png"
            Image.fromarray(f.grey).save(args.out / name)
    print(f"wrote the frames in {args.out}")


if __name__ == "__main__":
    main()
