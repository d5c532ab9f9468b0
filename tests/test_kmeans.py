"""Tests of the k-means package (scripts/kmeans/): agreement with scikit-learn's Lloyd, exactness
of the speedups, properties on arbitrary inputs, edge cases and quality."""

import hashlib
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.cluster import KMeans as SklearnKMeans
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from kmeans import KMeans, data, distances, polish, seeding, starts


def sse(X, centers, labels):
    """Sum of squared distances, computed independently of the package."""
    diff = np.asarray(X, dtype=np.float64) - centers[labels]
    return float((diff * diff).sum())


def resized(path, longer_side):
    image = cv2.imread(str(path))
    h, w = image.shape[:2]
    scale = longer_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def chelsea_pixels():
    return resized(ROOT / "images" / "chelsea.png", 100).reshape(-1, 3)


# --------------------------------------------------------------------------
# Same fixed point as scikit-learn's Lloyd
# --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 8])
def test_lloyd_matches_sklearn_from_same_centres(k):
    rng = np.random.default_rng(k)
    X = np.concatenate([rng.normal(loc, 1.0, size=(300, 3)) for loc in (0, 4, 8)])
    start = X[rng.choice(len(X), k, replace=False)]
    ours = KMeans(k, init=start, tol=0.0).fit(X)
    ref = SklearnKMeans(k, init=start, n_init=1, algorithm="lloyd", tol=0.0).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)


def test_lloyd_matches_sklearn_on_photo_pixels(chelsea_pixels):
    X = chelsea_pixels
    start = X[np.random.default_rng(0).choice(len(X), 6, replace=False)].astype(np.float64)
    ours = KMeans(6, init=start, tol=0.0).fit(X)
    ref = SklearnKMeans(6, init=start, n_init=1, algorithm="lloyd", tol=0.0).fit(
        X.astype(np.float64)
    )
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)


# --------------------------------------------------------------------------
# The speedups are exact
# --------------------------------------------------------------------------


def test_weighted_distinct_colours_equal_every_pixel(chelsea_pixels):
    X = chelsea_pixels
    colours, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    start = colours[:: len(colours) // 5][:5].astype(np.float64)
    every = KMeans(5, init=start, tol=0.0).fit(X)
    weighted = KMeans(5, init=start, tol=0.0).fit(colours, sample_weight=counts)
    np.testing.assert_allclose(every.cluster_centers_, weighted.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(every.labels_, weighted.labels_[inverse])
    assert every.inertia_ == pytest.approx(weighted.inertia_, rel=1e-12)
    assert weighted.n_distinct_ == every.n_distinct_ == len(colours)


def test_default_fit_same_for_pixels_and_weighted_colours(chelsea_pixels):
    X = chelsea_pixels
    colours, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    every = KMeans(8, seed=3).fit(X)
    weighted = KMeans(8, seed=3).fit(colours, sample_weight=counts)
    np.testing.assert_array_equal(every.cluster_centers_, weighted.cluster_centers_)
    np.testing.assert_array_equal(every.labels_, weighted.labels_[inverse.reshape(-1)])


def test_float_lab_colours_with_counts_equal_repeated_rows(chelsea_pixels):
    lab = cv2.cvtColor(chelsea_pixels[None].astype(np.float32) / 255, cv2.COLOR_BGR2Lab)[0]
    lab = lab.astype(np.float64)
    colours, inverse, counts = np.unique(lab, axis=0, return_inverse=True, return_counts=True)
    start = colours[[0, len(colours) // 2, -1]]
    every = KMeans(3, init=start, tol=0.0).fit(lab)
    weighted = KMeans(3, init=start, tol=0.0).fit(colours, sample_weight=counts)
    np.testing.assert_allclose(every.cluster_centers_, weighted.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(every.labels_, weighted.labels_[inverse.reshape(-1)])


def test_bounds_skip_nothing_that_matters(chelsea_pixels):
    """The coarse-to-fine polish ends at a true fixed point: centres are the
    means of their pixels and every pixel is labelled with its nearest centre."""
    model = KMeans(10, tol=0.0).fit(chelsea_pixels)
    X = chelsea_pixels.astype(np.float64)
    np.testing.assert_array_equal(
        model.labels_, np.argmin(((X[:, None] - model.cluster_centers_) ** 2).sum(-1), axis=1)
    )
    means = np.array([X[model.labels_ == j].mean(axis=0) for j in range(10)])
    np.testing.assert_allclose(model.cluster_centers_, means, atol=1e-9)


@pytest.fixture(scope="module")
def chelsea_levels(chelsea_pixels):
    """Distinct colours of the small chelsea, their weights, and the coarse
    levels (32-step bins, then 64-step bins)."""
    rows, _, counts = data.distinct_rows(chelsea_pixels)
    w = counts.astype(np.float64)
    return rows, w, data.coarse_levels(rows, w, True, 5)


@pytest.mark.parametrize("k", [5, 25])
def test_starts_side_by_side_equal_separate_runs_of_the_other_engine(chelsea_levels, k):
    """lloyd_with_hamerly_bounds gives, bit for bit, what the other engine,
    lloyd_with_lazy_bounds, gives for each start alone: including a start
    with duplicate centres, whose empty cluster is reseeded, and runs that
    stop at different iterations."""
    _, means, bin_w, _ = chelsea_levels[2][0]
    rng = np.random.default_rng(k)
    first = seeding.kmeans_plusplus(means, bin_w, k, rng, 4)
    first[2][1] = first[2][0]  # cluster 1 starts empty
    together = starts.lloyd_with_hamerly_bounds(means, bin_w, first, 0.01, 500)
    alone = [
        polish.lloyd_with_lazy_bounds(
            means, bin_w, start, 0.01, 500, polish.LazyBounds.from_scratch(means, start)
        )
        for start in first
    ]
    assert len({n_iter for _, _, n_iter in alone}) > 1
    for (c1, l1, n1), (c2, l2, n2) in zip(together, alone, strict=True):
        assert c1.tobytes() == c2.tobytes()
        np.testing.assert_array_equal(l1, l2)
        assert n1 == n2
    capped = starts.lloyd_with_hamerly_bounds(means, bin_w, first, 0.01, 3)
    for (c1, _, n1), (c2, _, _) in zip(capped, alone, strict=True):
        assert n1 == 3 and c1.tobytes() != c2.tobytes()


def test_kmeans_plusplus_batch_equals_one_after_the_other(chelsea_levels, monkeypatch):
    """The batched seeding makes the starts that separate seedings, drawing
    from the same generator one after the other, would make, whatever the
    batch size."""
    _, means, bin_w, _ = chelsea_levels[2][0]
    rng = np.random.default_rng(7)
    separate = np.concatenate([seeding.kmeans_plusplus(means, bin_w, 9, rng) for _ in range(5)])
    batched = seeding.kmeans_plusplus(means, bin_w, 9, np.random.default_rng(7), 5)
    assert batched.tobytes() == separate.tobytes()
    monkeypatch.setattr(seeding, "KPP_BATCH_VALUES", 2 * len(means) * (2 + int(np.log(9))))
    grouped = seeding.kmeans_plusplus(means, bin_w, 9, np.random.default_rng(7), 5)
    assert grouped.tobytes() == separate.tobytes()


@pytest.mark.parametrize("k", [3, 12])
def test_bounds_inherited_from_parents_are_exact(chelsea_levels, k):
    """A level started with bounds inherited from its parent bins reaches the
    same fixed point, bit for bit, as one started from all the distances, and
    most rows were actually spared the first check."""
    rows, w, levels = chelsea_levels
    bin_of_row, means, bin_w, _ = levels[-1]
    start = seeding.kmeans_plusplus(means, bin_w, k, np.random.default_rng(1))[0]
    centers, labels, _ = starts.lloyd_with_hamerly_bounds(means, bin_w, start[None], 0.1, 500)[0]
    inherited = polish.LazyBounds.from_parents(rows, bin_of_row, labels, centers, means)
    spared = inherited.due_rival > -np.inf
    assert spared.mean() > 0.5
    nearest = distances.nearest_centres(rows, centers)
    np.testing.assert_array_equal(inherited.labels[spared], nearest[spared])
    scratch = polish.LazyBounds.from_scratch(rows, centers)
    a = polish.lloyd_with_lazy_bounds(rows, w, centers, 0.0, 500, inherited)
    b = polish.lloyd_with_lazy_bounds(rows, w, centers, 0.0, 500, scratch)
    assert a[0].tobytes() == b[0].tobytes()
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]


def test_smallest_in_both_layouts_is_argmin_first_on_ties():
    """``smallest_per_column`` gives the positions np.argmin would (the first on ties)
    and the smallest values in order, whether d is contiguous (positions
    found from the minimum) or a transposed view (found by np.argmin)."""
    rng = np.random.default_rng(3)
    d = rng.integers(0, 4, size=(9, 300)).astype(np.float64)  # many ties
    d[rng.random(d.shape) < 0.1] = np.inf
    order = np.argsort(d, axis=0, kind="stable")
    smallest = np.take_along_axis(d, order, axis=0)
    for layout in (d.copy(), d.T.copy().T):
        rows, values = distances.smallest_per_column(layout, 2)
        np.testing.assert_array_equal(rows, order[:2])
        np.testing.assert_array_equal(values, smallest[:3])


def test_distinct_rows_of_packed_uint8_and_floats():
    X = np.array([[3, 2, 1], [0, 0, 0], [3, 2, 1], [255, 255, 255], [0, 0, 0]], np.uint8)
    for values in (X, X.astype(np.float64), X[:, :2]):
        rows, inverse, counts = data.distinct_rows(values)
        np.testing.assert_array_equal(rows[inverse], values)
        assert len(rows) == len(np.unique(values, axis=0))
        np.testing.assert_array_equal(np.bincount(inverse), counts)
    rows, _, _ = data.distinct_rows(np.array([[0.0, -0.0], [-0.0, 0.0]]))
    assert len(rows) == 1  # -0.0 and 0.0 are the same colour


# --------------------------------------------------------------------------
# Properties on arbitrary inputs
# --------------------------------------------------------------------------

small_uint8 = arrays(
    np.uint8,
    st.tuples(st.integers(1, 40), st.just(3)),
    elements=st.integers(0, 255) | st.sampled_from([0, 7, 255]),
)
# Multiples of 1/64: many exact ties and duplicates, and no squared
# difference that underflows to 0 (the only way two distinct rows could look
# identical to every distance computation).
small_float = arrays(
    np.float64,
    st.tuples(st.integers(1, 40), st.integers(1, 4)),
    elements=st.integers(-64_000, 64_000).map(lambda v: v / 64) | st.sampled_from([0.0, 1.0]),
)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(X=small_uint8 | small_float, k=st.integers(1, 7), seed=st.integers(0, 3))
def test_properties(X, k, seed):
    model = KMeans(k, seed=seed).fit(X)
    centers, labels = model.cluster_centers_, model.labels_
    n_distinct = len(np.unique(X, axis=0))
    assert model.n_distinct_ == n_distinct
    assert model.n_clusters_ == min(k, n_distinct) == len(centers)
    assert centers.dtype == np.float64 and labels.dtype == np.intp
    assert labels.shape == (len(X),)
    assert labels.min() >= 0 and labels.max() < model.n_clusters_
    assert np.isfinite(centers).all() and np.isfinite(model.inertia_)
    assert model.inertia_ == pytest.approx(sse(X, centers, labels), rel=1e-9, abs=1e-6)
    np.testing.assert_array_equal(model.predict(X), labels)
    # Every cluster is used.
    assert len(np.unique(labels)) == model.n_clusters_
    if k >= n_distinct:
        assert model.inertia_ == 0.0
    again = KMeans(k, seed=seed).fit(X)
    np.testing.assert_array_equal(again.cluster_centers_, centers)
    np.testing.assert_array_equal(again.labels_, labels)


@fast
@given(
    X=small_uint8,
    weights=st.lists(st.integers(0, 5), min_size=40, max_size=40),
    k=st.integers(1, 5),
)
def test_weighted_properties(X, weights, k):
    w = np.array(weights[: len(X)], dtype=np.float64)
    if w.sum() == 0:
        with pytest.raises(ValueError, match="sums to zero"):
            KMeans(k).fit(X, sample_weight=w)
        return
    model = KMeans(k).fit(X, sample_weight=w)
    assert np.isfinite(model.cluster_centers_).all()
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    diff = X.astype(np.float64) - model.cluster_centers_[model.labels_]
    assert model.inertia_ == pytest.approx(float((w * (diff**2).sum(1)).sum()), abs=1e-6)
    # Rows of weight 0 do not pull the centres.
    positive = w > 0
    if positive.any():
        only = KMeans(k).fit(X[positive], sample_weight=w[positive])
        assert model.inertia_ == pytest.approx(only.inertia_, rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(X=small_uint8, k=st.integers(1, 6), init=st.sampled_from(["random", "k-means++"]))
def test_random_init_and_duplicate_start_centres_give_no_empty_cluster(X, k, init):
    model = KMeans(k, init=init, seed=1).fit(X)
    assert len(np.unique(model.labels_)) == model.n_clusters_
    start = np.repeat(X[:1].astype(np.float64), k, axis=0)  # all the same
    if len(np.unique(X, axis=0)) > k:
        dup = KMeans(k, init=start).fit(X)
        assert len(np.unique(dup.labels_)) == k
        assert np.isfinite(dup.cluster_centers_).all()


# --------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------


def test_k_larger_than_distinct_colours_gives_the_colours():
    X = np.array([[10, 20, 30], [10, 20, 30], [200, 0, 5], [0, 0, 0]] * 5, np.uint8)
    model = KMeans(10).fit(X)
    assert model.n_distinct_ == 3 and model.n_clusters_ == 3
    assert sorted(map(tuple, model.cluster_centers_)) == [(0, 0, 0), (10, 20, 30), (200, 0, 5)]
    np.testing.assert_array_equal(model.cluster_centers_[model.labels_], X)
    assert model.inertia_ == 0.0


def test_k_equal_distinct_colours():
    X = np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3]], np.uint8)
    model = KMeans(2).fit(X)
    assert model.inertia_ == 0.0
    np.testing.assert_array_equal(model.cluster_centers_[model.labels_], X)


def test_k_one_gives_the_mean(chelsea_pixels):
    model = KMeans(1).fit(chelsea_pixels)
    np.testing.assert_allclose(model.cluster_centers_[0], chelsea_pixels.mean(axis=0), rtol=1e-12)
    assert (model.labels_ == 0).all()
    centred = chelsea_pixels - chelsea_pixels.mean(axis=0)
    assert model.inertia_ == pytest.approx((centred**2).sum(), rel=1e-12)


def test_weighted_k_one_gives_the_weighted_mean():
    X = np.array([[0.0], [10.0]])
    model = KMeans(1).fit(X, sample_weight=[3, 1])
    assert model.cluster_centers_[0, 0] == pytest.approx(2.5)
    assert model.inertia_ == pytest.approx(3 * 2.5**2 + 7.5**2)


def test_single_row():
    model = KMeans(4).fit(np.array([[7, 8, 9]], np.uint8))
    np.testing.assert_array_equal(model.cluster_centers_, [[7, 8, 9]])
    assert model.labels_.tolist() == [0] and model.inertia_ == 0.0 and model.n_clusters_ == 1


def test_grey_image_centres_on_grey_axis(chelsea_pixels):
    grey = cv2.cvtColor(chelsea_pixels[None], cv2.COLOR_BGR2GRAY)[0]
    X = np.repeat(grey[:, None], 3, axis=1)
    model = KMeans(5).fit(X)
    c = model.cluster_centers_
    np.testing.assert_array_equal(c[:, 0], c[:, 1])
    np.testing.assert_array_equal(c[:, 0], c[:, 2])
    # In one dimension the clusters are intervals: sorted centres, sorted labels.
    order = np.argsort(c[:, 0])
    rank = np.empty(5, int)
    rank[order] = np.arange(5)
    assert (np.diff(rank[model.labels_][np.argsort(grey, kind="stable")]) >= 0).all()


def test_two_colour_image():
    X = np.zeros((50, 3), np.uint8)
    X[20:] = [255, 128, 0]
    model = KMeans(2).fit(X)
    assert sorted(map(tuple, model.cluster_centers_)) == [(0, 0, 0), (255, 128, 0)]
    assert model.inertia_ == 0.0
    one = KMeans(1).fit(X)
    np.testing.assert_allclose(one.cluster_centers_[0], [153, 76.8, 0])


@pytest.mark.parametrize("k", [0, -3, 2.5, True, None])
def test_bad_k_raises(k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        KMeans(k).fit(np.zeros((4, 3), np.uint8))


@pytest.mark.parametrize(
    ("X", "w", "message"),
    [
        (np.zeros((0, 3), np.uint8), None, "empty"),
        (np.zeros((3, 0)), None, "empty"),
        (np.zeros(5), None, "2-D"),
        (np.array([[0.0, np.nan]]), None, "NaN"),
        (np.array([[0.0, np.inf]]), None, "NaN or infinity"),
        (np.zeros((2, 3)), [1.0, -1.0], "non-negative"),
        (np.zeros((2, 3)), [0.0, 0.0], "sums to zero"),
        (np.zeros((2, 3)), [1.0], "shape"),
        (np.array([["a", "b"]]), None, "real numbers"),
    ],
)
def test_bad_input_raises(X, w, message):
    with pytest.raises(ValueError, match=message):
        KMeans(2).fit(X, sample_weight=w)


def test_bad_parameters_raise():
    X = np.zeros((4, 3), np.uint8)
    with pytest.raises(ValueError, match="init"):
        KMeans(2, init="kmeans").fit(X)
    with pytest.raises(ValueError, match="shape"):
        KMeans(2, init=np.zeros((3, 3))).fit(X)
    with pytest.raises(ValueError, match="tol"):
        KMeans(2, tol=-1).fit(X)
    with pytest.raises(ValueError, match="max_iter"):
        KMeans(2, max_iter=0).fit(X)


def test_max_iter_is_respected(chelsea_pixels):
    model = KMeans(8, init="random", max_iter=2).fit(chelsea_pixels)
    assert model.n_iter_ <= 2
    np.testing.assert_array_equal(model.predict(chelsea_pixels), model.labels_)


# --------------------------------------------------------------------------
# Reproducibility and quality
# --------------------------------------------------------------------------


def test_same_seed_same_bits_different_seed_differs(chelsea_pixels):
    a = KMeans(6, seed=5).fit(chelsea_pixels)
    b = KMeans(6, seed=5).fit(chelsea_pixels)
    assert a.cluster_centers_.tobytes() == b.cluster_centers_.tobytes()
    assert a.inertia_ == b.inertia_ and a.n_iter_ == b.n_iter_
    r1 = KMeans(6, init="random", seed=1).fit(chelsea_pixels)
    r2 = KMeans(6, init="random", seed=2).fit(chelsea_pixels)
    assert r1.cluster_centers_.tobytes() != r2.cluster_centers_.tobytes()


# Fits of two whole photos, pinned from the single-file scripts/kmeans.py
# (commit e2e997b) before it became a package: a hash of the labels and
# centres, the inertia's exact bits, and the iterations of the polish.
PINNED_FITS = [
    ("images/chelsea.png", 2, "e72d38a05224fd84", "0x1.7cf8ea33d020fp+27", 6),
    ("images/chelsea.png", 8, "5c79baad74e5b1b5", "0x1.2ea70796fdfc7p+25", 39),
    ("images/chelsea.png", 25, "6ea0d4e62417d0ae", "0x1.a7b2fce9c6d66p+23", 42),
    ("images/chelsea.png", 50, "907afdee793e5fd8", "0x1.d2f3eabcfea8dp+22", 60),
    ("images/coffee.png", 2, "efd203c794f8b99c", "0x1.070e097f2e1c0p+30", 6),
    ("images/coffee.png", 8, "0c780fb430d83840", "0x1.94b391c6ce47bp+26", 21),
    ("images/coffee.png", 25, "ced92e1568d9516d", "0x1.ca2c8a4a80b4cp+24", 123),
    ("images/coffee.png", 50, "4250fc74032b7c8a", "0x1.e0e9e9c47009bp+23", 124),
]


@pytest.mark.parametrize(("photo", "k", "digest", "inertia", "n_iter"), PINNED_FITS)
def test_fit_bit_for_bit_as_pinned(photo, k, digest, inertia, n_iter):
    X = cv2.imread(str(ROOT / photo)).reshape(-1, 3)
    model = KMeans(k, seed=0).fit(X)
    labels_and_centres = model.labels_.astype("<i8").tobytes()
    labels_and_centres += model.cluster_centers_.astype("<f8").tobytes()
    assert hashlib.sha256(labels_and_centres).hexdigest()[:16] == digest
    assert model.inertia_.hex() == inertia
    assert model.n_iter_ == n_iter


def test_result_does_not_depend_on_blas_threads(chelsea_pixels):
    with threadpool_limits(1):
        one = KMeans(7).fit(chelsea_pixels)
    with threadpool_limits(4):
        four = KMeans(7).fit(chelsea_pixels)
    assert one.cluster_centers_.tobytes() == four.cluster_centers_.tobytes()


def test_quality_close_to_sklearn_best_of_ten(chelsea_pixels):
    X = chelsea_pixels
    ours = KMeans(8, seed=0).fit(X)
    ref = SklearnKMeans(8, n_init=10, random_state=0).fit(X.astype(np.float64))
    best = min(ref.inertia_, sse(X, ref.cluster_centers_, ref.labels_))
    assert sse(X, ours.cluster_centers_, ours.labels_) <= 1.01 * best


def test_random_init_is_the_reference_start():
    """init="random" starts from k rows drawn with replacement by the seeded
    generator; with max_iter=1 the centres are one Lloyd step from there."""
    X = np.arange(30, dtype=np.float64).reshape(-1, 1)
    a = KMeans(3, init="random", seed=4, max_iter=1).fit(X)
    b = KMeans(3, init="random", seed=4, max_iter=1).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.n_iter_ == 1
