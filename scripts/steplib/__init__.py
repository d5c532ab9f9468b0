"""What the step scripts share; a step imports from here, never from another step.

- ``command``: a step as a command-line program (options, one-line errors).
- ``read_image``: photos and the workflow's own PNGs, decoded or refused with a reason.
- ``atomic_write``: outputs written under a temporary name, then renamed.
- ``label_map``: how a label map marks clusters and transparent pixels.
- ``colour``: sRGB <-> CIE L*a*b* and CIEDE2000 colour differences, the same bits on every
  CPU, over ``exact_math`` (exp, log, cbrt, sin, cos, atan2 from IEEE-exact operations).
- ``clustering``: k-means of one photo's colours into a label map and its palette.
- ``frame``: a label map recoloured with its palette and labelled "k=N".
"""
