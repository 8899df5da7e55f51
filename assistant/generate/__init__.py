"""Generate: the LLM answer backends, an alternative to the extractive reader.

``llm`` makes LangChain chat models (an OpenAI-compatible server, Ollama, llama.cpp) and streams
their answers or their rewrite of a follow-up; ``prompts`` builds the messages, with the retrieved
passages numbered and delimited as data; ``parse`` turns the model's text and its [n] markers into
the same ``Draft`` the reader produces, so verification treats both alike. Falling back to the
extractive answer when a backend fails is the pipeline's job.
"""
