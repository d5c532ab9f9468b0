rule cluster:
    input:
        image="results/{image}/resized.png",
        # Listed so that editing the k-means code reruns every cluster job.
        code=workflow.source_path("../../scripts/kmeans.py"),
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
        seed=config["seed"],
        tol=config["tol"],
        max_iter=config["max_iter"],
        color_space=config["color_space"],
    script:
        "../../scripts/cluster.py"
