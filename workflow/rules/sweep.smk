# Steps 2 and 3 in one job per photo for all its ks (one_job_per_photo: true), in place
# of the cluster and annotate rules: the same files, byte for byte, in one process.
rule sweep:
    input:
        colours="results/{image}/colours.npz",
        script=step_script("sweep"),
        library=step_library("sweep"),
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
        mem_mb=sweep_mem_mb,
        runtime=sweep_runtime,
    params:
        ks=KS,
        fit=FIT_ARGUMENTS,
    shell:
        "python {input.script:q} --image={wildcards.image:q} --ks {params.ks:q} {params.fit:q}"
        " --labels {output.labels:q} --summaries {output.summaries:q} --frames {output.frames:q}"
        " -- {input.colours:q} 2> {log:q}"
