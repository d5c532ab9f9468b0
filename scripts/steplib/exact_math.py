"""Elementary functions of float64 arrays that give the same bits on every CPU.

numpy picks its kernels for pow, cbrt, exp, log, sin, cos and arctan2 at run
time by the CPU's SIMD level (SSE, AVX2, AVX-512), and the kernels differ in
the last bits, so one photo would give other Lab values on another node.  IEEE
754 makes +, -, *, / and sqrt correctly rounded on every CPU, and frexp, ldexp,
rint, abs, comparisons and ``where`` are exact, so each function here uses only
those: an exact (or once-rounded) argument reduction, then a polynomial
evaluated in a fixed order.  Each is within a few units in the last place of
the true value.
"""

from fractions import Fraction
from math import factorial

import numpy as np

# ln 2 split as in fdlibm: _LN2_HI has its low 32 bits zero, so k * _LN2_HI is
# exact for any exponent k of a float64, and _LN2_LO carries the rest.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_SQRT_HALF = 0.7071067811865476
_RADIANS_PER_DEGREE = 0.017453292519943295
_DEGREES_PER_RADIAN = 57.29577951308232


def _coefficients(terms) -> list[float]:
    """Return exact rational coefficients rounded once to float64."""
    return [float(Fraction(term)) for term in terms]


# Taylor series, enough terms that the first left out is below 2**-60 of the sum.
# exp(r) for |r| <= ln(2) / 2: sum r**n / n!
_EXP = _coefficients(Fraction(1, factorial(n)) for n in range(15))
# log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172: 2 s sum s**2n / (2n + 1)
_ATANH = _coefficients(Fraction(1, 2 * n + 1) for n in range(12))
# sin(r), cos(r) for |r| <= pi / 4: sums over (-1)**n r**(2n+1) / (2n+1)! and r**2n / (2n)!
_SIN = _coefficients(Fraction((-1) ** n, factorial(2 * n + 1)) for n in range(9))
_COS = _coefficients(Fraction((-1) ** n, factorial(2 * n)) for n in range(10))
# atan(z) for |z| <= tan(pi / 16) = 0.199: sum (-1)**n z**(2n+1) / (2n + 1)
_ATAN = _coefficients(Fraction((-1) ** n, 2 * n + 1) for n in range(13))


def _series(x: np.ndarray, coefficients: list[float]) -> np.ndarray:
    """Return sum(c[n] * x**n) by Horner's rule, highest power first."""
    total = np.full_like(x, coefficients[-1])
    for coefficient in reversed(coefficients[:-1]):
        total = total * x + coefficient
    return total


def exp(x) -> np.ndarray:
    """Return e**x elementwise."""
    # Beyond +-1100 the result is 0 or infinity anyway; clipping keeps k finite.
    x = np.clip(np.asarray(x, dtype=np.float64), -1100, 1100)
    k = np.rint(x * _INV_LN2)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    # NaN stays NaN through the series; its exponent may be anything.
    return np.ldexp(_series(r, _EXP), np.where(np.isnan(k), 0, k).astype(np.int32))


def log(x) -> np.ndarray:
    """Return the natural logarithm of positive ``x`` elementwise."""
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    # m * 2**e with m in [sqrt(1/2), sqrt(2)), so that |s| below is at most 0.172.
    low = m < _SQRT_HALF
    m = np.where(low, 2 * m, m)
    e = np.where(low, e - 1, e).astype(np.float64)
    s = (m - 1) / (m + 1)
    return e * _LN2_HI + (2 * s * _series(s * s, _ATANH) + e * _LN2_LO)


def power(x, y: float) -> np.ndarray:
    """Return x**y elementwise for positive ``x``."""
    return exp(y * log(x))


# A start for the cube root of m in [0.5, 4) within 4 % (a least-squares
# quadratic); four Newton steps then square the error down past 2**-53.
_CBRT_START = (0.6363, 0.3933, -0.0404)
_CBRT_NEWTON_STEPS = 4


def cbrt(x) -> np.ndarray:
    """Return the real cube root of ``x`` elementwise."""
    x = np.asarray(x, dtype=np.float64)
    # Zero, infinities and NaN are their own cube roots; the rest take Newton's steps.
    regular = np.isfinite(x) & (x != 0)
    m, e = np.frexp(np.where(regular, np.abs(x), 1))
    # |x| = m * 2**(3q + r) with r in {0, 1, 2}: cbrt |x| = cbrt(m * 2**r) * 2**q.
    q, r = np.divmod(e, 3)
    m = np.ldexp(m, r)
    y = _series(m, list(_CBRT_START))
    for _ in range(_CBRT_NEWTON_STEPS):
        y = y - (y * y * y - m) / (3 * (y * y))
    return np.where(regular, np.copysign(np.ldexp(y, q), x), x)


def _sine_by_quadrant(degrees, quarter_turns: int) -> np.ndarray:
    """Return sin(degrees + 90 * quarter_turns), the angle in degrees."""
    degrees = np.asarray(degrees, dtype=np.float64)
    k = np.rint(degrees / 90)
    # Exact for |degrees| < 2**53: the difference is a multiple of the ulp of
    # ``degrees`` and at most 45 in size.
    r = (degrees - 90 * k) * _RADIANS_PER_DEGREE
    r2 = r * r
    sine = r * _series(r2, _SIN)
    cosine = _series(r2, _COS)
    # The quadrant n in 0..3 (exact: k is integral) picks +-sin r or +-cos r.
    n = k + quarter_turns
    n = n - 4 * np.floor(n / 4)
    value = np.where((n == 1) | (n == 3), cosine, sine)
    return np.where(n >= 2, -value, value)


def sin_degrees(degrees) -> np.ndarray:
    """Return the sine of an angle given in degrees, elementwise."""
    return _sine_by_quadrant(degrees, 0)


def cos_degrees(degrees) -> np.ndarray:
    """Return the cosine of an angle given in degrees, elementwise."""
    return _sine_by_quadrant(degrees, 1)


def atan2_degrees(y, x) -> np.ndarray:
    """Return the angle of the point (x, y) in degrees, in [-180, 180], elementwise.

    As ``arctan2`` but signed zeros count as zero: the angle of (0, 0), (-0.0, 0)
    and (-0.0, -0.0) is 0 and that of (-1, -0.0) is 180, as the CIE's hue
    angles need.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    ax, ay = np.abs(x), np.abs(y)
    big, small = np.maximum(ax, ay), np.minimum(ax, ay)
    z = np.where(big > 0, small / np.where(big > 0, big, 1), 0)
    # atan z = 2 atan(z / (1 + sqrt(1 + z**2))): twice brings z from [0, 1] to [0, 0.199].
    for _ in range(2):
        z = z / (1 + np.sqrt(1 + z * z))
    angle = 4 * z * _series(z * z, _ATAN) * _DEGREES_PER_RADIAN
    angle = np.where(ay > ax, 90 - angle, angle)
    angle = np.where(x < 0, 180 - angle, angle)
    return np.where(y < 0, -angle, angle)
