rule cluster:
    input:
        image="results/{image}/resized.png",
        # Listed so that editing the k-means code reruns every cluster job.
        code=script_sources("kmeans"),
    output:
        labels="results/{image}/clusters/k_{k}.png",
        summary="results/{image}/clusters/k_{k}.json",
    log:
        "logs/cluster/{image}/k_{k}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=frame_mem_mb,
        runtime=frame_runtime,
    params:
        fit=FIT_OPTIONS,
    script:
        "../../scripts/cluster.py"
