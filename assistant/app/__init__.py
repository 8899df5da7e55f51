"""App: what the Gradio UI (``ui.py`` at the top level) needs besides the pipeline.

``handlers`` answers chat events (streaming, sources, debug, votes); ``page`` holds the page's
CSS and scripts; ``documents`` is the Documents tab (list, upload, replace, delete, view) with
``uploads`` checking and storing files and ``viewer`` rendering a document with a quote
highlighted; ``export`` renders answers as escaped HTML and Markdown; ``feedback`` logs votes.
No retrieval or answering logic lives here: it calls ``Assistant``.
"""
