"""sRGB (D65) <-> CIE L*a*b*, for clustering in a space where distances follow perceived colour."""

import numpy as np

# sRGB (D65) to CIE XYZ, and the D65 white point: the standard sRGB definitions.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6 / 29


def bgr_to_lab(colours: np.ndarray) -> np.ndarray:
    """Return CIE L*a*b* (L in 0..100, D65) of (n, 3) BGR ``colours`` on the 8-bit scale, as float64."""
    c = colours[:, ::-1].astype(np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = linear @ _RGB_TO_XYZ.T / _WHITE
    f = np.where(t > _DELTA**3, np.cbrt(t), t / (3 * _DELTA**2) + 4 / 29)
    return np.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1
    )


def lab_to_bgr(lab: np.ndarray) -> np.ndarray:
    """Return BGR on the 8-bit scale (float64, clipped to 0..255) of (n, 3) CIE L*a*b* colours."""
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    t = np.where(f > _DELTA, f**3, 3 * _DELTA**2 * (f - 4 / 29))
    linear = np.clip((t * _WHITE) @ _XYZ_TO_RGB.T, 0, 1)
    c = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.clip(c, 0, 1)[:, ::-1] * 255
