rule resize:
    input:
        photo_path,
    output:
        "results/{image}/resized.png",
    log:
        "logs/resize/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=photo_mem_mb,
        runtime=photo_runtime,
    params:
        max_size=config["max_size"],
        upscale=config["upscale"],
        max_pixels=config["max_pixels"],
    script:
        "../../scripts/resize.py"
