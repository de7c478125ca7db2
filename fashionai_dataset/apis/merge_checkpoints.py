"""One checkpoint from several, for models made of other models."""
from typing import Dict

import torch

from fashionai_core.atomic import atomic_write
from fashionai_core.outputs import check_output
from ..weights_only import encode, read_checkpoint


def merge_checkpoints(parts: Dict[str, str], out: str) -> int:
    """Write the weights of several checkpoints under prefixes, atomically.

    Args:
        parts: Prefix (e.g. ``'members.0'``, ``'stage1'``) -> checkpoint
            written by ``mim train``, in order; the first one's dataset
            metainfo is kept.
        out: The checkpoint to write; it loads with
            ``torch.load(weights_only=True)``.

    Returns:
        int: How many tensors were written.

    Raises:
        OutputError: ``out`` is one of the checkpoints read.
    """
    check_output(out, parts.values())
    state_dict, meta = {}, {}
    for prefix, path in parts.items():
        checkpoint = read_checkpoint(path)
        weights = checkpoint.get('state_dict', checkpoint)
        state_dict.update({
            f'{prefix}.{key}': value
            for key, value in weights.items()
        })
        if not meta:
            meta = dict(
                dataset_meta=checkpoint.get('meta', {}).get('dataset_meta'),
                merged_from=dict(parts))
    with atomic_write(out, 'wb') as file:
        torch.save(dict(state_dict=state_dict, meta=encode(meta)), file)
    return len(state_dict)
