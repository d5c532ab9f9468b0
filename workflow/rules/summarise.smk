rule elbow:
    input:
        summaries=summaries_of,
        script=step_script("elbow"),
        library=step_library("elbow"),
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
        mem_mb=elbow_mem_mb,
        runtime=animation_runtime,
    params:
        looks_same_delta_e=config["looks_same_delta_e"],
    shell:
        "python {input.script:q} --looks_same_delta_e={params.looks_same_delta_e:q}"
        " --plot={output.plot:q} --summary={output.summary:q} -- {input.summaries:q} 2> {log:q}"


rule sheet:
    input:
        resized="results/{image}/resized.png",
        frames=frames_of,
        summaries=summaries_of,
        script=step_script("contact_sheet"),
        library=step_library("contact_sheet"),
    output:
        sheet=report(
            "results/{image}/sheet.png",
            caption="../report/sheet.rst",
            category="Photos",
            subcategory="{image}",
            labels={"photo": "{image}", "figure": "contact sheet"},
        ),
        # Drawn from the same summaries in the same job: a job of its own cost more to
        # start (0.24 s) than the picture takes to draw.
        palettes=report(
            "results/{image}/palettes.png",
            caption="../report/palettes.rst",
            category="Photos",
            subcategory="{image}",
            labels={"photo": "{image}", "figure": "palettes"},
        ),
    log:
        "logs/sheet/{image}.log",
    conda:
        "../envs/segment.yaml"
    threads: 1
    resources:
        mem_mb=sheet_mem_mb,
        runtime=animation_runtime,
    shell:
        "python {input.script:q} --summaries {input.summaries:q} --output={output.sheet:q}"
        " --palettes={output.palettes:q} -- {input.resized:q} {input.frames:q} 2> {log:q}"
