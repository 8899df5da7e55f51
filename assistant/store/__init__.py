"""Store: chunks in, a searchable index out, and the term statistics the reader weighs words by.

``embed`` and ``embed_numpy`` are the embedders (sentence-transformers for builds, a numpy forward
pass of the same weights for queries); ``bm25``, ``index`` and ``build`` are the default embedded
store (FAISS + BM25 files under index/, built incrementally and atomically); ``milvus_schema``,
``milvus_store`` and ``milvus_build`` are the Milvus store (a Lite file or a server). ``protocol``
names what retrieval asks of a store that fuses its own rankings; ``factory`` picks the store
``ASSISTANT_STORE`` names. Search itself, fusion and answering are not here.
"""
