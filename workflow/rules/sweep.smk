# Steps 2 and 3 in one job per photo for all its ks (one_job_per_photo: true), in place
# of the cluster and annotate rules: the same files, byte for byte, in one process.
rule sweep:
    input:
        image="results/{image}/resized.png",
        # Listed so that editing any of the code it runs reruns the sweep.
        code=script_sources("kmeans", "cluster", "annotate"),
    output:
        labels=expand("results/{{image}}/clusters/k_{k}.png", k=KS),
        summaries=expand("results/{{image}}/clusters/k_{k}.json", k=KS),
        frames=expand("results/{{image}}/frames/k_{k}.png", k=KS),
    log:
        "logs/sweep/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=frame_mem_mb,
        runtime=sweep_runtime,
    params:
        ks=KS,
        fit=FIT_OPTIONS,
    script:
        "../../scripts/sweep.py"
