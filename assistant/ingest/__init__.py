"""Ingest: files in, clean documents and chunks out.

``load`` reads .txt, .md, .html and .pdf files (one Document per PDF page) with the catalog's
metadata; ``clean`` removes boilerplate, PDF artefacts, ``footnotes`` and ``repeats`` (running
headers and footers); ``chunk`` cuts the text into structure-aware chunks that never cross a
heading, each with its section path and character offsets. Nothing here embeds, indexes or knows
about questions.
"""
