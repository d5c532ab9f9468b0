rule gif:
    input:
        frames_of,
    output:
        "results/{image}/{image}.gif",
    log:
        "logs/gif/{image}.log",
    conda:
        "../envs/segment.yaml"
    params:
        duration_ms=config["duration_ms"],
        loop=config["loop"],
    script:
        "../../scripts/make_gif.py"
