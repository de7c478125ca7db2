"""Every checkpoint MMEngine reads, whatever its scheme, through the
weights-only loaders of :mod:`fashionai_dataset.weights_only`.

MMEngine's own loaders call ``torch.load`` without saying ``weights_only``:
on the pinned torch that refuses every checkpoint MMEngine writes (its numpy
metadata) with torch's long message, and once
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is set (that message's advice) a crafted
checkpoint given to ``mim test --checkpoint``, ``--resume``, ``load_from`` or
a config's ``init_cfg`` runs code while it is unpickled.
:func:`install_weights_only_loading` registers the project's loaders for
every scheme MMEngine knows, and makes an uncaught
:class:`~fashionai_dataset.weights_only.CheckpointError` end as its one line
instead of a traceback through MMEngine's runner.
"""
import sys

from mmengine.runner.checkpoint import CheckpointLoader

from fashionai_dataset.weights_only import (MODEL_ZOO_PREFIXES,
                                            UNSUPPORTED_PREFIXES, URL_PREFIXES,
                                            CheckpointError,
                                            load_from_model_zoo_weights_only,
                                            load_from_unsupported_scheme,
                                            load_from_url_weights_only,
                                            load_from_weights_only)


def _one_line_checkpoint_errors(kind, error, traceback) -> None:
    """``sys.excepthook``: an uncaught :class:`CheckpointError` (in
    ``mim test``, ``load_from``, ``--resume``) ends as its one line."""
    if isinstance(error, CheckpointError):
        print(f'error: {error}', file=sys.stderr)
        return
    _previous_excepthook(kind, error, traceback)


_previous_excepthook = sys.__excepthook__


def install_weights_only_loading() -> None:
    """Register the weights-only loaders for every scheme and the one-line
    exit for checkpoint errors. Idempotent.

    Local paths, :data:`URL_PREFIXES` and :data:`MODEL_ZOO_PREFIXES` load
    weights-only; :data:`UNSUPPORTED_PREFIXES` are refused.
    """
    for prefixes, loader in (('', load_from_weights_only),
                             (URL_PREFIXES, load_from_url_weights_only),
                             (MODEL_ZOO_PREFIXES,
                              load_from_model_zoo_weights_only),
                             (UNSUPPORTED_PREFIXES,
                              load_from_unsupported_scheme)):
        CheckpointLoader.register_scheme(prefixes, loader, force=True)
    global _previous_excepthook
    if sys.excepthook is not _one_line_checkpoint_errors:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _one_line_checkpoint_errors
