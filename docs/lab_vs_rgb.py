"""Make docs/lab_vs_rgb.png: one photo segmented in RGB and in L*a*b*, side by side.

Usage: python docs/lab_vs_rgb.py [photo] [k ...]   (default: images/coffee.png, k = 4 and 8)
"""

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from contact_sheet import contact_sheet
from resize import resized
from steplib.atomic_write import write_png
from steplib.clustering import clustered
from steplib.drawn_frame import frame_of_labels
from steplib.indexed_png import indexed_png
from steplib.read_image import read_image


def main() -> None:
    photo = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "images" / "coffee.png"
    ks = [int(k) for k in sys.argv[2:]] or [4, 8]
    image = resized(read_image(photo, min_size=500), 500)
    pictures = []
    for k in ks:
        for space in ("rgb", "lab"):
            labels, summary = clustered(image, k, color_space=space)
            with Image.open(io.BytesIO(indexed_png(frame_of_labels(labels, summary)))) as png:
                frame = np.asarray(png.convert("RGB"))[..., ::-1]  # BGR, as the sheet draws
            pictures.append((f"k={k}, {space.upper()}", frame, None))
    sheet = contact_sheet(pictures, columns=2)
    write_png(ROOT / "docs" / "lab_vs_rgb.png", sheet)


if __name__ == "__main__":
    main()
