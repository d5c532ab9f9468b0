# k-means colour segmentation: every photo in input_dir becomes an animated GIF,
# one frame per k. Steps: resize -> cluster (per k) -> annotate (per k) -> gif (and webp),
# with an elbow plot, a summary, a contact sheet and palettes per photo. With one_job_per_photo,
# a sweep job per photo does cluster and annotate for all its ks.


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/scheduling.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/resize.smk"


if config["one_job_per_photo"]:

    include: "workflow/rules/sweep.smk"

else:

    include: "workflow/rules/cluster.smk"
    include: "workflow/rules/annotate.smk"


include: "workflow/rules/animate.smk"
include: "workflow/rules/summarise.smk"


rule all:
    default_target: True
    input:
        all_targets(),
    localrule: True


onerror:
    report_failed_photos(log)
