rule annotate:
    input:
        labels="results/{image}/clusters/k_{k}.png",
        summary="results/{image}/clusters/k_{k}.json",
    output:
        "results/{image}/frames/k_{k}.png",
    log:
        "logs/annotate/{image}/k_{k}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=frame_mem_mb,
        runtime=frame_runtime,
    script:
        "../../scripts/annotate.py"
