"""Every checkpoint MMEngine reads, whatever its scheme, through the
weights-only loaders of :mod:`fashionai_dataset.weights_only`: change 2 of
:mod:`fashionai_patches`. (MMEngine's own loaders call ``torch.load`` without
``weights_only``: the pinned torch refuses MMEngine's checkpoints that way,
and with ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` set, its message's advice, a
crafted checkpoint runs code while it is unpickled.)
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
