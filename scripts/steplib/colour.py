"""CIE L*a*b* of sRGB colours and their CIEDE2000 differences, the same bits on every CPU.

The formulas are the textbook ones (sRGB of IEC 61966-2-1, CIE L*a*b* with the
D65 white, CIEDE2000 as in Sharma, Wu and Dalal 2005), computed only with
operations that IEEE 754 rounds the same way everywhere: +, -, *, /, sqrt,
table look-ups and the functions of ``exact_math``.  Matrix products are
written out as multiply-adds in a fixed order (a BLAS product may sum in any
order), and the matrices are derived in exact rational arithmetic, so that
white is L* = 100, a* = b* = 0.
"""

import functools
from fractions import Fraction

import numpy as np

from steplib.exact_math import atan2_degrees, cbrt, cos_degrees, exp, power, sin_degrees

# The chromaticities (x, y) of the sRGB red, green and blue, and the XYZ of the
# D65 white: the published 7-digit sRGB matrix is this derivation rounded.
_PRIMARIES = ((Fraction("0.64"), Fraction("0.33")), (Fraction("0.30"), Fraction("0.60")),
              (Fraction("0.15"), Fraction("0.06")))  # fmt: skip
_WHITE = (Fraction("0.95047"), Fraction(1), Fraction("1.08883"))


def _inverse(m):
    """Return the inverse of a 3x3 matrix of Fractions (the adjugate over the determinant)."""
    (a, b, c), (d, e, f), (g, h, i) = m
    adjugate = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ]
    determinant = a * adjugate[0][0] + b * adjugate[1][0] + c * adjugate[2][0]
    return [[value / determinant for value in row] for row in adjugate]


def _rgb_to_xyz_over_white():
    """Return the exact matrix from linear sRGB to XYZ divided by the white's XYZ."""
    # Column j is the XYZ of primary j at luminance 1, scaled so that R = G = B = 1 is white.
    unscaled = [[x / y for x, y in _PRIMARIES], [1] * 3, [(1 - x - y) / y for x, y in _PRIMARIES]]
    inverse = _inverse(unscaled)
    scale = [sum(inverse[j][i] * _WHITE[i] for i in range(3)) for j in range(3)]
    return [[unscaled[i][j] * scale[j] / _WHITE[i] for j in range(3)] for i in range(3)]


def _as_floats(matrix):
    return [[float(value) for value in row] for row in matrix]


_EXACT_TO_XYZ = _rgb_to_xyz_over_white()
_TO_XYZ = _as_floats(_EXACT_TO_XYZ)
_FROM_XYZ = _as_floats(_inverse(_EXACT_TO_XYZ))

# CIE L*a*b*: f(t) = cbrt(t) above (6/29)**3, and the line t / (3 (6/29)**2) + 4/29 below.
_DELTA = float(Fraction(6, 29))
_DELTA_CUBED = float(Fraction(6, 29) ** 3)
_SLOPE = float(3 * Fraction(6, 29) ** 2)
_OFFSET = float(Fraction(4, 29))


# Rows converted at a time: the temporaries of a block stay in the CPU's caches,
# which makes 100 000 colours several times faster than one pass over all.
_BLOCK_ROWS = 8192


def _in_blocks(function):
    """Return ``function`` of (n, 3) arrays applied to (..., 3) arrays, block by block.

    The arrays are broadcast together; each row's result depends on that row
    alone, so the blocks change nothing but the speed.
    """

    @functools.wraps(function)
    def in_blocks(*arrays, **options):
        arrays = np.broadcast_arrays(*(np.asarray(array) for array in arrays))
        leading = arrays[0].shape[:-1]
        rows = [array.reshape(-1, array.shape[-1]) for array in arrays]
        starts = range(0, max(len(rows[0]), 1), _BLOCK_ROWS)
        result = np.concatenate(
            [function(*(r[i : i + _BLOCK_ROWS] for r in rows), **options) for i in starts]
        )
        return result.reshape(leading + result.shape[1:])

    return in_blocks


def _product(matrix, v0, v1, v2) -> np.ndarray:
    """Return matrix @ (v0, v1, v2) as a (3, ...) array, each row summed left to right."""
    return np.stack([row[0] * v0 + row[1] * v1 + row[2] * v2 for row in matrix])


def _linear_of_srgb(c: np.ndarray) -> np.ndarray:
    """Return the linear light of sRGB values ``c`` on the 0..1 scale."""
    curve = power((np.maximum(c, 0.04045) + 0.055) / 1.055, 2.4)
    return np.where(c <= 0.04045, c / 12.92, curve)


def _srgb_of_linear(linear: np.ndarray) -> np.ndarray:
    """Return the sRGB values (0..1 scale) of linear light ``linear`` in 0..1."""
    curve = 1.055 * power(np.maximum(linear, 0.0031308), 1 / 2.4) - 0.055
    return np.where(linear <= 0.0031308, 12.92 * linear, curve)


# Every 8-bit value's linear light, by the same function as other values get.
_LINEAR_OF_8BIT = _linear_of_srgb(np.arange(256) / 255)


@_in_blocks
def bgr_to_lab(colours: np.ndarray) -> np.ndarray:
    """Return CIE L*a*b* (L in 0..100, D65) of (n, 3) BGR ``colours`` on the 8-bit scale, as float64.

    uint8 colours take a table of the 256 linear values, which holds exactly
    what other dtypes compute.
    """
    colours = np.asarray(colours)
    if colours.dtype == np.uint8:
        blue, green, red = _LINEAR_OF_8BIT[colours.T]
    else:
        blue, green, red = _linear_of_srgb(colours.T.astype(np.float64) / 255)
    t = _product(_TO_XYZ, red, green, blue)
    f = np.where(t > _DELTA_CUBED, cbrt(t), t / _SLOPE + _OFFSET)
    return np.stack([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])], axis=1)


@_in_blocks
def lab_to_bgr(lab: np.ndarray) -> np.ndarray:
    """Return BGR on the 8-bit scale (float64, clipped to 0..255) of (n, 3) CIE L*a*b* colours."""
    lightness, a, b = np.asarray(lab, dtype=np.float64).T
    fy = (lightness + 16) / 116
    f = np.stack([fy + a / 500, fy, fy - b / 200])
    t = np.where(f > _DELTA, f * f * f, _SLOPE * (f - _OFFSET))
    linear = np.clip(_product(_FROM_XYZ, *t), 0, 1)
    return np.ascontiguousarray((np.clip(_srgb_of_linear(linear), 0, 1)[::-1] * 255).T)


def _chroma_weight(chroma: np.ndarray) -> np.ndarray:
    """Return sqrt(C**7 / (C**7 + 25**7)), the weight of chroma in G and R_C."""
    squared = chroma * chroma
    seventh = squared * squared * squared * chroma
    return np.sqrt(seventh / (seventh + float(25**7)))


def _hue(a: np.ndarray, b: np.ndarray):
    """Return the hue angle of (a, b) in degrees as ``angle + 180 * lower``: (angle, lower).

    ``angle`` is in [0, 180]; ``lower`` says (a, b) is below the a axis (or on its
    negative half).  Two opposite colours get the same ``angle`` bits, so that
    the hue difference of exactly 180 degrees is recognised as such.  The hue of
    a = b = 0 is 0.
    """
    lower = (b < 0) | ((b == 0) & (a < 0))
    return atan2_degrees(np.where(lower, -b, b), np.where(lower, -a, a)), lower


@_in_blocks
def ciede2000(lab1, lab2, *, k_l: float = 1, k_c: float = 1, k_h: float = 1) -> np.ndarray:
    """Return the CIEDE2000 colour difference of CIE L*a*b* colours, pair by pair.

    ``lab1`` and ``lab2`` are (..., 3) arrays; the result has their shape without
    the last axis.  ``k_l``, ``k_c`` and ``k_h`` are the CIE's parametric factors.
    The steps and their names follow Sharma, Wu and Dalal (2005), equations 1 to 17.
    """
    l1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=np.float64), -1, 0)

    mean_chroma = (np.sqrt(a1 * a1 + b1 * b1) + np.sqrt(a2 * a2 + b2 * b2)) / 2
    g = 0.5 * (1 - _chroma_weight(mean_chroma))
    a1_prime, a2_prime = (1 + g) * a1, (1 + g) * a2
    c1_prime = np.sqrt(a1_prime * a1_prime + b1 * b1)
    c2_prime = np.sqrt(a2_prime * a2_prime + b2 * b2)
    angle1, lower1 = _hue(a1_prime, b1)
    angle2, lower2 = _hue(a2_prime, b2)
    h1_prime, h2_prime = angle1 + 180 * lower1, angle2 + 180 * lower2
    # Whether |h2' - h1'| <= 180, decided from the exact parts: rounded hues could
    # put two opposite colours on either side of the CIE's boundary.
    within_180 = (lower1 == lower2) | np.where(lower2, angle2 <= angle1, angle1 <= angle2)

    # A colour without chroma has no hue: then the hue difference is 0, and
    # the mean hue is the sum of the two.
    chromatic = c1_prime * c2_prime != 0
    delta_l = l2 - l1
    delta_c = c2_prime - c1_prime
    delta_h = h2_prime - h1_prime
    delta_h = np.where(within_180, delta_h, np.where(delta_h > 0, delta_h - 360, delta_h + 360))
    delta_h = np.where(chromatic, delta_h, 0)
    delta_big_h = 2 * np.sqrt(c1_prime * c2_prime) * sin_degrees(delta_h / 2)

    mean_l = (l1 + l2) / 2
    mean_c_prime = (c1_prime + c2_prime) / 2
    hue_sum = h1_prime + h2_prime
    mean_h = np.where(
        within_180,
        hue_sum / 2,
        np.where(hue_sum < 360, (hue_sum + 360) / 2, (hue_sum - 360) / 2),
    )
    mean_h = np.where(chromatic, mean_h, hue_sum)

    t = (
        1
        - 0.17 * cos_degrees(mean_h - 30)
        + 0.24 * cos_degrees(2 * mean_h)
        + 0.32 * cos_degrees(3 * mean_h + 6)
        - 0.20 * cos_degrees(4 * mean_h - 63)
    )
    half_width = (mean_h - 275) / 25
    delta_theta = 30 * exp(-(half_width * half_width))
    r_c = 2 * _chroma_weight(mean_c_prime)
    l_offset = (mean_l - 50) * (mean_l - 50)
    s_l = 1 + 0.015 * l_offset / np.sqrt(20 + l_offset)
    s_c = 1 + 0.045 * mean_c_prime
    s_h = 1 + 0.015 * mean_c_prime * t
    r_t = -sin_degrees(2 * delta_theta) * r_c

    lightness = delta_l / (k_l * s_l)
    chroma = delta_c / (k_c * s_c)
    hue = delta_big_h / (k_h * s_h)
    return np.sqrt(lightness * lightness + chroma * chroma + hue * hue + r_t * chroma * hue)
