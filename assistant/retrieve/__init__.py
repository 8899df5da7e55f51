"""Retrieve: a question and its conversation in, the passages to read out.

``hybrid`` runs dense and BM25 search and fuses them with reciprocal rank fusion (or takes a
store's own fusion), as a function and as a LangChain retriever; ``lexicon`` expands a query with
other names of its places and English words for Spanish and German question words; ``parts``
splits multi-part questions and says what kind of answer each part wants; ``history`` parses and
trims the conversation, ``conversation`` (with ``mentions``) turns a follow-up into a standalone
query, and ``names`` corrects typos in names the corpus spells. Reading the passages is ``read``'s
job.
"""
