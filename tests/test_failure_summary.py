"""The summary at the end of a failed run names exactly the photos that failed in it."""

import re

from conftest import output_of, run_snakemake, write_photo


def failure_summary(result) -> list[str]:
    """Return the summary's lines, its heading first ([] when there is none)."""
    text = output_of(result)
    match = re.search(r"^(\d+ of \d+ photos failed in this run:\n(?:  .*\n)*)", text, re.MULTILINE)
    return match.group(1).splitlines() if match else []


def test_a_stale_gif_does_not_hide_a_failure_of_this_run(project):
    images = project / "images"
    write_photo(images / "a.png", seed=1)
    write_photo(images / "b.png", seed=2)
    run_snakemake(project, "--config", "ks=[2]")
    assert (project / "results/b/b.gif").is_file()
    # b.png is replaced by a damaged file: its resize fails, its old GIF stays.
    (images / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    result = run_snakemake(project, "--keep-going", "--config", "ks=[2]", check=False)
    assert result.returncode == 1
    assert (project / "results/b/b.gif").is_file()
    assert failure_summary(result) == [
        "1 of 2 photos failed in this run:",
        "  images/b.png: not an image in a known format, or its header is damaged",
    ]


def test_webp_only_runs_report_only_the_failed_photos(project):
    images = project / "images"
    write_photo(images / "good.png", seed=1)
    write_photo(images / "also good.jpg", seed=3)
    (images / "bad.png").write_text("not a picture")
    # A frame that an earlier run failed on leaves a log with an error; not this run's.
    (project / "logs/resize").mkdir(parents=True)
    (project / "logs/resize/good.log").write_text("ERROR: images/good.png: an old failure\n")
    result = run_snakemake(
        project, "--keep-going", "--config", "ks=[2,3]", "animation_formats=[webp]", check=False
    )
    assert result.returncode == 1
    assert failure_summary(result) == [
        "1 of 3 photos failed in this run:",
        "  images/bad.png: not an image in a known format, or its header is damaged",
    ]
    assert (project / "results/good/good.webp").is_file()
    assert not (project / "results/good/good.gif").exists()


def test_a_failure_without_an_error_line_points_to_its_log(project):
    """A job that dies without our one line (a bug, or killed) still names its photo."""
    write_photo(project / "images/ok.png", seed=1)
    # A cluster summary without its clusters (not one the cluster step writes): the steps
    # that read it (annotate, elbow; the sheet waits for the frame) break with a traceback,
    # not our one line.
    run_snakemake(project, "results/ok/clusters/k_2.json", "--config", "ks=[2]")
    (project / "results/ok/clusters/k_2.json").write_text('{"k": 2}')
    result = run_snakemake(project, "--keep-going", "--config", "ks=[2]", check=False)
    headline, line = failure_summary(result)
    assert headline == "1 of 1 photos failed in this run:"
    photo, logs = line.split(": failed, see ")
    assert photo == "  images/ok.png"
    assert set(logs.split(", ")) == {
        "logs/annotate/ok/k_2.log",
        "logs/elbow/ok.log",
    }
    assert "Traceback" in (project / "logs/annotate/ok/k_2.log").read_text()
