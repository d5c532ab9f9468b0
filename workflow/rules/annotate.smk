# The "k=N" caption of every k, drawn once per photo (it depends only on the frame's
# size), so that each annotate job only paints its own and starts without OpenCV.
rule captions:
    input:
        resized="results/{image}/resized.png",
        script=step_script("captions"),
        library=step_library("captions"),
    output:
        "results/{image}/captions.bin",
    log:
        "logs/captions/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=captions_mem_mb,
        runtime=photo_runtime,
    shell:
        "python {input.script:q} --output={output:q} -- {input.resized:q} 2> {log:q}"


rule annotate:
    input:
        labels="results/{image}/clusters/k_{k}.png",
        summary="results/{image}/clusters/k_{k}.json",
        captions="results/{image}/captions.bin",
        script=step_script("annotate"),
        library=step_library("annotate"),
    output:
        "results/{image}/frames/k_{k}.png",
    log:
        "logs/annotate/{image}/k_{k}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=annotate_mem_mb,
        runtime=frame_runtime,
    shell:
        "python {input.script:q} --output={output:q}"
        " -- {input.labels:q} {input.summary:q} {input.captions:q} 2> {log:q}"
