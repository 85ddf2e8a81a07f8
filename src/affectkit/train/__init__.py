"""Training recipes, together: the code behind ``bench/train_*.py`` that builds every shipped model
(``face``: the FER2013 CNN; ``text``: the MiniLM + LoRA heads; ``voice``: the speech-emotion
recipe's defaults) and ``recipes``, the versioned ``recipe.json`` beside each model's weights.

Inference (``affectkit.recognize``) never imports this package; the harness (``affectkit.bench``)
and the scripts in ``bench/`` do."""
