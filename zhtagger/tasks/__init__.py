"""One folder a task, each with the same files: ``config.py`` (its settings dataclass), ``data.py`` (examples
to arrays and batches), ``network.py`` (the shared core plus the task's loss and decoding), ``predictor.py``
(the trained model: load, save, predict, evaluate; see :mod:`zhtagger.tasks.base`), ``train.py`` (files or
arrays to a model directory) and ``evaluate.py`` (scores as an :class:`~zhtagger.evaluation.Evaluation`). No
task imports another; :mod:`zhtagger.registry` names them all."""
