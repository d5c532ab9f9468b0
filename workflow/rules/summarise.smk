rule elbow:
    input:
        summaries_of,
    output:
        plot=report(
            "results/{image}/elbow.png",
            caption="../report/elbow.rst",
            category="Photos",
            subcategory="{image}",
            labels={"photo": "{image}", "figure": "elbow plot"},
        ),
        summary="results/{image}/summary.json",
    log:
        "logs/elbow/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=animation_mem_mb,
        runtime=animation_runtime,
    script:
        "../../scripts/elbow.py"


rule sheet:
    input:
        resized="results/{image}/resized.png",
        frames=frames_of,
    output:
        report(
            "results/{image}/sheet.png",
            caption="../report/sheet.rst",
            category="Photos",
            subcategory="{image}",
            labels={"photo": "{image}", "figure": "contact sheet"},
        ),
    log:
        "logs/sheet/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=animation_mem_mb,
        runtime=animation_runtime,
    params:
        ks=KS,
    script:
        "../../scripts/contact_sheet.py"
