rule gif:
    input:
        frames_of,
    output:
        report(
            "results/{image}/{image}.gif",
            caption="../report/animation.rst",
            category="Photos",
            subcategory="{image}",
            labels={"photo": "{image}", "figure": "animated GIF"},
        ),
    log:
        "logs/gif/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=animation_mem_mb,
        runtime=animation_runtime,
    params:
        duration_ms=config["duration_ms"],
        loop=config["loop"],
    script:
        "../../scripts/animate.py"


# The same step, as a lossless animated WebP (animation_formats: [gif, webp]).
use rule gif as webp with:
    output:
        "results/{image}/{image}.webp",
    log:
        "logs/webp/{image}.log",
