"""What the step scripts share; a step imports from here, never from another step.

- ``command``: a step as a command-line program (options, one-line errors).
- ``read_image``: photos and the workflow's own PNGs, decoded or refused with a reason.
- ``atomic_write``: outputs written under a temporary name, then renamed.
- ``indexed_png``: palette PNGs (label maps, frames) written and read with the standard library.
- ``label_map``: how a label map marks clusters and transparent pixels.
- ``colour``: sRGB <-> CIE L*a*b* and CIEDE2000 colour differences, the same bits on every
  CPU, over ``exact_math`` (exp, log, cbrt, sin, cos, atan2 from IEEE-exact operations).
- ``photo_colours``: a photo's distinct colours, tabulated once for all its cluster jobs.
- ``clustering``: k-means of one photo's colours into a label map and its palette.
- ``colour_error``: how different a frame looks from its photo (CIEDE2000 statistics).
- ``captions``, ``caption_drawing``: the "k=N" caption of a frame, stored, and drawn with OpenCV.
- ``frame``: a label map in its clusters' colours, captioned; ``drawn_frame``: the same in
  one process (the sweep).
- ``summaries``, ``drawing``: the cluster summaries read back; text and swatches for pictures.
"""
