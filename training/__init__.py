"""Training and evaluation of outageradar's judgement: gold labels, model training, measurements.

Nothing here is imported by the runtime package ``outageradar``; it needs the real posts in ``../shared/``.
"""
