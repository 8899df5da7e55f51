"""Evals: measure the real pipeline on question suites (the data stays in the top-level evals/).

``command`` is `assistant eval`; ``suites`` and ``squad`` load the own questions and the SQuAD
validation suites, each with its corpus and index; ``runner`` asks every question through the
real ``Assistant``; ``metrics`` scores answers, abstentions, citations and retrieval;
``baseline`` (a plain LangChain recipe) and ``peer`` (a best-sentence MiniLM reader) are measured
in the same run; ``report``, ``suites_report`` and ``compare`` write and compare the results;
``stores`` compares two stores (FAISS and Milvus) on the same questions. Tests check behaviour;
these modules measure quality.
"""
