"""Read: which retrieved sentence answers, and whether the documents answer at all.

A trained cross-encoder (``model.py``, numpy inference of the weights in ``model/``) reads the
question with the candidates a cheap idf-overlap first pass picks from the retrieved chunks
(``candidates.py``, ``extractive.py``); a logistic combination with a few features and one
Platt-calibrated threshold (``features.py``, ``calibrate.py``) decide; ``compose.py`` writes the
direct, part-by-part, overview or conflict answer and ``verify.py`` checks it against the
passages. ``train.py``, ``train_data.py``, ``fit.py`` and ``card.py`` make the model, its
calibration and its card from the shared SQuAD articles.
"""
