rule resize:
    input:
        photo=photo_path,
        script=step_script("resize"),
        library=step_library("resize"),
    output:
        image="results/{image}/resized.png",
        colours="results/{image}/colours.npz",
    log:
        "logs/resize/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=resize_mem_mb,
        runtime=photo_runtime,
    params:
        max_size=config["max_size"],
        upscale=config["upscale"],
        max_pixels=config["max_pixels"],
    shell:
        "python {input.script:q} --max_size={params.max_size:q} --upscale={params.upscale:q}"
        " --max_pixels={params.max_pixels:q} --output={output.image:q}"
        " --colours={output.colours:q} -- {input.photo:q} 2> {log:q}"
