rule cluster:
    input:
        colours="results/{image}/colours.npz",
        script=step_script("cluster"),
        library=step_library("cluster"),
    output:
        labels="results/{image}/clusters/k_{k}.png",
        summary="results/{image}/clusters/k_{k}.json",
    log:
        "logs/cluster/{image}/k_{k}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=cluster_mem_mb,
        runtime=frame_runtime,
    params:
        fit=FIT_ARGUMENTS,
    shell:
        "python {input.script:q} --k={wildcards.k:q} --image={wildcards.image:q} {params.fit:q}"
        " --labels={output.labels:q} --summary={output.summary:q} -- {input.colours:q} 2> {log:q}"
