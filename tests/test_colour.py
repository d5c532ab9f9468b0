"""Tests of scripts/steplib: the exact elementary functions against numpy's,
sRGB <-> CIE L*a*b* against published values and the textbook formulas,
CIEDE2000 against the published test data, and the same bits whatever SIMD
kernels numpy picks on this CPU."""

import os
import subprocess
import sys

import numpy as np
import pytest
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

from conftest import SCRIPTS
from steplib import colour, exact_math
from steplib.colour import bgr_to_lab, ciede2000, lab_to_bgr

RNG_SEED = 15

# --- exact_math: within a few units in the last place of numpy's functions ---


def test_exp_and_log_agree_with_numpy():
    rng = np.random.default_rng(RNG_SEED)
    x = rng.uniform(-708, 709, 200_000)  # normal results: subnormal ones have fewer digits
    np.testing.assert_allclose(exact_math.exp(x), np.exp(x), rtol=1e-15, atol=0)
    positive = np.exp(rng.uniform(-700, 700, 200_000))
    near_one = rng.uniform(1 - 1e-6, 1 + 1e-6, 10_000)
    for values in (positive, near_one):
        np.testing.assert_allclose(exact_math.log(values), np.log(values), rtol=1e-15, atol=0)
    with np.errstate(over="ignore"):  # as np.exp, e**inf overflows
        special = exact_math.exp([0.0, -np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(special, [1.0, 0.0, np.inf, np.nan])
    assert exact_math.log([1.0])[0] == 0


def test_power_agrees_with_numpy_on_the_srgb_curves():
    x = np.random.default_rng(RNG_SEED).uniform(0.003, 1, 200_000)
    for y in (2.4, 1 / 2.4):
        np.testing.assert_allclose(exact_math.power(x, y), x**y, rtol=4e-15, atol=0)
    assert exact_math.power([1.0], 2.4)[0] == 1


def test_cbrt_agrees_with_numpy_everywhere():
    rng = np.random.default_rng(RNG_SEED)
    x = np.exp(rng.uniform(-740, 709, 200_000)) * rng.choice([-1, 1], 200_000)
    np.testing.assert_allclose(exact_math.cbrt(x), np.cbrt(x), rtol=5e-16, atol=0)
    special = [0.0, -0.0, 8.0, -27.0, np.inf, -np.inf, np.nan, 5e-324]
    np.testing.assert_array_equal(
        exact_math.cbrt(special), [0.0, -0.0, 2.0, -3.0, np.inf, -np.inf, np.nan, np.cbrt(5e-324)]
    )
    assert np.signbit(exact_math.cbrt([-0.0])[0])


def test_sin_and_cos_in_degrees_agree_with_numpy():
    degrees = np.random.default_rng(RNG_SEED).uniform(-1500, 1500, 200_000)
    # np.deg2rad rounds too: at 1500 degrees its radians are within 3e-15 of exact.
    np.testing.assert_allclose(
        exact_math.sin_degrees(degrees), np.sin(np.deg2rad(degrees)), rtol=0, atol=1e-14
    )
    np.testing.assert_allclose(
        exact_math.cos_degrees(degrees), np.cos(np.deg2rad(degrees)), rtol=0, atol=1e-14
    )
    # Whole quarter turns are exact, as the CIEDE2000 hue terms at 0, 90, ... need.
    quarters = np.arange(-8, 9) * 90.0
    np.testing.assert_array_equal(
        exact_math.sin_degrees(quarters), np.rint(np.sin(quarters / 90 * np.pi / 2))
    )
    np.testing.assert_array_equal(
        exact_math.cos_degrees(quarters), np.rint(np.cos(quarters / 90 * np.pi / 2))
    )


def test_atan2_in_degrees_agrees_with_numpy_and_ignores_signed_zeros():
    rng = np.random.default_rng(RNG_SEED)
    y, x = rng.normal(0, 50, (2, 200_000))
    np.testing.assert_allclose(
        exact_math.atan2_degrees(y, x), np.rad2deg(np.arctan2(y, x)), rtol=1e-15, atol=0
    )
    # The axes are exact; the origin is 0 however its zeros are signed.
    axes_y = [0.0, 1.0, 0.0, -1.0, -0.0, 0.0, -0.0, -0.0, 0.0]
    axes_x = [1.0, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, -0.0, -0.0]
    np.testing.assert_array_equal(
        exact_math.atan2_degrees(axes_y, axes_x), [0, 90, 180, -90, 0, 0, 0, 0, 0]
    )


# --- sRGB <-> CIE L*a*b* ---

# The sRGB matrix as published (Lindbloom; IEC 61966-2-1 with the D65 white
# 0.95047, 1, 1.08883), rounded to 7 digits.
PUBLISHED_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
WHITE = np.array([0.95047, 1.0, 1.08883])

# The colour bars in CIE L*a*b* to 4 decimals, as published and as scikit-image
# tests its rgb2lab: RGB, L*, a*, b*.
COLOUR_BARS = [
    ((255, 255, 255), (100, 0, 0)),
    ((255, 255, 0), (97.1393, -21.5537, 94.4780)),
    ((0, 255, 255), (91.1132, -48.0875, -14.1312)),
    ((0, 255, 0), (87.7347, -86.1827, 83.1793)),
    ((255, 0, 255), (60.3242, 98.2343, -60.8249)),
    ((255, 0, 0), (53.2408, 80.0925, 67.2032)),
    ((0, 0, 255), (32.2970, 79.1875, -107.8602)),
    ((0, 0, 0), (0, 0, 0)),
]


def textbook_lab(bgr: np.ndarray) -> np.ndarray:
    """CIE L*a*b* of 8-bit BGR colours by the textbook formulas and numpy's own kernels."""
    c = bgr[:, ::-1] / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = linear @ np.array(colour._TO_XYZ).T
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1
    )


def random_bgr(n: int, seed: int = RNG_SEED) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 3), dtype=np.uint8)


def all_greys() -> np.ndarray:
    return np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)


def test_the_matrix_derived_from_the_primaries_is_the_published_one():
    derived = np.array(colour._TO_XYZ) * WHITE[:, None]
    np.testing.assert_allclose(derived, PUBLISHED_SRGB_TO_XYZ, rtol=0, atol=5e-8)
    # Derived exactly, so that white is white: each row of the matrix over the white sums to 1.
    np.testing.assert_allclose(np.array(colour._TO_XYZ).sum(axis=1), 1, rtol=0, atol=4e-16)


def test_white_black_and_the_colour_bars_have_their_published_lab():
    rgb = np.array([bar[0] for bar in COLOUR_BARS], dtype=np.uint8)
    lab = bgr_to_lab(rgb[:, ::-1])
    np.testing.assert_allclose(lab, [bar[1] for bar in COLOUR_BARS], rtol=0, atol=1e-4)
    np.testing.assert_allclose(lab[0], [100, 0, 0], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(lab[-1], [0, 0, 0])
    assert lab.dtype == np.float64
    assert lab.shape == (len(COLOUR_BARS), 3)


def test_lab_agrees_with_the_textbook_formulas():
    colours = np.concatenate([random_bgr(200_000), all_greys()])
    np.testing.assert_allclose(bgr_to_lab(colours), textbook_lab(colours), rtol=0, atol=1e-12)


def test_float_colours_take_the_same_path_as_8_bit_ones():
    colours = random_bgr(50_000)
    np.testing.assert_array_equal(bgr_to_lab(colours.astype(np.float64)), bgr_to_lab(colours))
    between = colours + np.random.default_rng(RNG_SEED).uniform(0, 1, colours.shape)
    np.testing.assert_allclose(bgr_to_lab(between), textbook_lab(between), rtol=0, atol=1e-12)


@pytest.mark.parametrize("colours", [all_greys(), random_bgr(100_000)], ids=["greys", "random"])
def test_lab_to_bgr_inverts_bgr_to_lab(colours):
    back = lab_to_bgr(bgr_to_lab(colours))
    np.testing.assert_allclose(back, colours, rtol=0, atol=1e-9)
    assert back.flags.c_contiguous
    assert back.dtype == np.float64


def test_lab_outside_the_srgb_gamut_is_clipped_to_8_bits():
    lab = np.array([[50.0, 200.0, 0.0], [120.0, 0.0, 0.0], [-10.0, 0.0, 0.0], [60.0, -90.0, 90.0]])
    bgr = lab_to_bgr(lab)
    assert np.all((bgr >= 0) & (bgr <= 255))
    # A very red magenta loses its green and keeps its blue; green loses red and blue.
    np.testing.assert_allclose(bgr[[0, 0, 3, 3], [1, 2, 0, 2]], [0, 255, 0, 0], atol=1e-9)
    assert 0 < bgr[0, 0] < 255 and 0 < bgr[3, 1] < 255
    np.testing.assert_allclose(bgr[1], [255, 255, 255], atol=1e-9)
    np.testing.assert_array_equal(bgr[2], [0, 0, 0])


def test_conversions_keep_the_leading_shape():
    image = random_bgr(12).reshape(3, 4, 3)
    assert bgr_to_lab(image).shape == (3, 4, 3)
    np.testing.assert_array_equal(
        bgr_to_lab(image).reshape(-1, 3), bgr_to_lab(image.reshape(-1, 3))
    )
    assert bgr_to_lab(np.zeros((0, 3), np.uint8)).shape == (0, 3)
    assert lab_to_bgr(np.zeros((0, 3))).shape == (0, 3)


# --- CIEDE2000 ---

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula:
# implementation notes, supplementary test data, and mathematical
# observations", table 1: L1 a1 b1 L2 a2 b2 and their difference to 4 decimals.
SHARMA_2005 = np.array(
    [
        [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
        [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
        [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
        [50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
        [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
        [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
        [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
        [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
        [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
        [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
        [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
        [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630],
        [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
        [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
        [22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373],
        [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
        [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
        [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
        [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
        [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
    ]
)


@pytest.mark.parametrize("pair", range(len(SHARMA_2005)), ids=lambda i: f"pair{i + 1}")
def test_ciede2000_matches_sharma_wu_dalal_to_4_decimals(pair):
    row = SHARMA_2005[pair]
    difference = ciede2000(row[None, :3], row[None, 3:6])[0]
    assert round(float(difference), 4) == row[6]
    # Both orders: the formula is symmetric.
    assert ciede2000(row[None, 3:6], row[None, :3])[0] == difference


def test_ciede2000_of_the_table_at_once_matches_pair_by_pair():
    together = ciede2000(SHARMA_2005[:, :3], SHARMA_2005[:, 3:6])
    one_by_one = [ciede2000(row[:3], row[3:6]) for row in SHARMA_2005]
    np.testing.assert_array_equal(together, one_by_one)
    assert together.shape == (len(SHARMA_2005),)


def test_ciede2000_of_greys_is_the_weighted_lightness_difference():
    # Without chroma only the lightness term is left: dL / S_L, S_L from the mean L of 55.
    s_l = 1 + 0.015 * 25 / np.sqrt(20 + 25)
    greys = np.array([[50.0, 0, 0], [60.0, 0, 0]])
    assert ciede2000(greys[0], greys[1]) == pytest.approx(10 / s_l, rel=1e-15)


def test_ciede2000_is_zero_for_equal_colours_and_symmetric():
    lab = bgr_to_lab(random_bgr(50_000))
    other = bgr_to_lab(random_bgr(50_000, seed=RNG_SEED + 1))
    np.testing.assert_array_equal(ciede2000(lab, lab), 0)
    np.testing.assert_array_equal(ciede2000(lab, other), ciede2000(other, lab))
    assert np.all(ciede2000(lab, other) > 0)


# --- the same bits whatever SIMD kernels numpy uses ---

_CONVERSIONS = """
import sys
import numpy as np
from numpy._core._multiarray_umath import __cpu_features__
sys.path.insert(0, sys.argv[1])
from steplib.colour import bgr_to_lab, ciede2000, lab_to_bgr

disabled = sys.argv[3].split()
assert not any(__cpu_features__[name] for name in disabled), "numpy ignored the setting"
rng = np.random.default_rng(15)
bgr = rng.integers(0, 256, (100_000, 3), dtype=np.uint8)
lab = bgr_to_lab(bgr)
outputs = [
    lab,
    bgr_to_lab(bgr + rng.uniform(-0.5, 0.5, bgr.shape)),
    lab_to_bgr(lab + rng.normal(0, 20, lab.shape)),
    ciede2000(lab, lab[::-1]),
]
with open(sys.argv[2], "wb") as out:
    for output in outputs:
        out.write(output.tobytes())
"""


def test_outputs_are_the_same_bytes_with_and_without_simd_kernels(tmp_path):
    # numpy refuses to disable its baseline features; the dispatched ones are
    # what it picks at run time by CPU.
    dispatched = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    if not dispatched:
        pytest.skip("this CPU has no SIMD features above numpy's baseline: one set of kernels")
    outputs = {}
    for disabled in ("", " ".join(dispatched)):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
        if disabled:
            env["NPY_DISABLE_CPU_FEATURES"] = disabled
        path = tmp_path / f"without {disabled or 'nothing'}.bin"
        subprocess.run(
            [sys.executable, "-c", _CONVERSIONS, str(SCRIPTS), str(path), disabled],
            env=env,
            check=True,
            timeout=300,
        )
        outputs[disabled] = path.read_bytes()
    baseline, reduced = outputs.values()
    assert len(baseline) == 100_000 * (3 + 3 + 3 + 1) * 8
    assert baseline == reduced, f"the outputs change without {dispatched}"


def test_the_benchmarks_numpy_variant_computes_the_same_formulas_and_is_undone():
    sys.path.insert(0, str(SCRIPTS.parent / "benchmarks"))
    from colour_bench import NUMPY_KERNELS, numpy_kernels

    bgr, other = random_bgr(20_000), random_bgr(20_000, seed=RNG_SEED + 1)
    exact = (
        bgr_to_lab(bgr),
        lab_to_bgr(bgr_to_lab(bgr)),
        ciede2000(bgr_to_lab(bgr), bgr_to_lab(other)),
    )
    with numpy_kernels():
        assert all(getattr(colour, name) is function for name, function in NUMPY_KERNELS.items())
        kernels = (
            bgr_to_lab(bgr),
            lab_to_bgr(bgr_to_lab(bgr)),
            ciede2000(bgr_to_lab(bgr), bgr_to_lab(other)),
        )
    assert colour.cbrt is exact_math.cbrt and colour.power is exact_math.power
    for ours, theirs in zip(exact, kernels, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-11)
