rule gif:
    input:
        frames=frames_of,
        script=step_script("animate"),
        library=step_library("animate"),
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
    shell:
        "python {input.script:q} --duration_ms={params.duration_ms:q} --loop={params.loop:q}"
        " --output={output:q} -- {input.frames:q} 2> {log:q}"


# The same step, as a lossless animated WebP (animation_formats: [gif, webp]).
use rule gif as webp with:
    output:
        "results/{image}/{image}.webp",
    log:
        "logs/webp/{image}.log",
