rule annotate:
    input:
        labels="results/{image}/clusters/k_{k}.png",
        summary="results/{image}/clusters/k_{k}.json",
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
        "python {input.script:q} --output={output:q} -- {input.labels:q} {input.summary:q}"
        " 2> {log:q}"
