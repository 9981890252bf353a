"""``outageradar serve``: a small read-only web app on the store (Starlette, Jinja2 templates, uvicorn).

:mod:`~outageradar.serve.data` builds the pages' data (one dict per page, also served as JSON under ``/api``),
:mod:`~outageradar.serve.svg` draws the inline SVG (sparklines, the 24-hour chart, the offline map from
``static/world.json``, built by :mod:`~outageradar.serve.build_map`), :mod:`~outageradar.serve.app` routes and renders.
"""
