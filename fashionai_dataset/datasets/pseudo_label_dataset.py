"""Labelled rows and pseudo-labelled rows as one training set."""
from typing import Dict, List, Optional, Union

from mmengine.dataset import BaseDataset, ConcatDataset
from mmpose.registry import DATASETS

#: Values of ``same_image_wins``.
WINNERS = ('labelled', 'pseudo_labelled')


@DATASETS.register_module()
class PseudoLabelConcatDataset(ConcatDataset):
    """A labelled dataset and a pseudo-labelled one, trained on together.

    Both are :class:`FashionAIDataset` configs; the pseudo-labelled one
    reads ``tools/pseudo_label.py``'s CSV (``allow_decimal=True``) and
    usually trains with a smaller ``keypoint_weight``. The metainfo is the
    labelled dataset's (the two must agree but for that weight).

    An image in both files would be trained on twice with two answers: it
    stops loading, naming both files and the first such image, unless
    ``same_image_wins`` says which file's row is kept (the other file's row
    of that image is left out). Images are the same when their ``image_id``
    is.

    Args:
        labelled (dict | BaseDataset): The labelled dataset.
        pseudo_labelled (dict | BaseDataset): The pseudo-labelled one.
        same_image_wins (str, optional): ``'labelled'`` or
            ``'pseudo_labelled'``: whose row of an image in both is kept.
            Defaults to None (such images are an error).
        pseudo_labelled_share (float, optional): The share of an epoch's
            samples that are pseudo-labelled, in (0, 1): the labelled rows
            are repeated (a whole number of times, at least once) to come
            near it, so that many unlabelled images do not crowd out the
            labelled ones. Defaults to None (each row once).
        lazy_init (bool): As :class:`mmengine.dataset.ConcatDataset`.
    """

    def __init__(self,
                 labelled: Union[dict, BaseDataset],
                 pseudo_labelled: Union[dict, BaseDataset],
                 same_image_wins: Optional[str] = None,
                 pseudo_labelled_share: Optional[float] = None,
                 lazy_init: bool = False) -> None:
        if same_image_wins not in (None, ) + WINNERS:
            raise ValueError('PseudoLabelConcatDataset: same_image_wins must '
                             f'be None, {WINNERS[0]!r} or {WINNERS[1]!r}, '
                             f'got {same_image_wins!r}')
        if pseudo_labelled_share is not None and not (0 < pseudo_labelled_share
                                                      < 1):
            raise ValueError('PseudoLabelConcatDataset: pseudo_labelled_share '
                             'must be between 0 and 1 (exclusive), got '
                             f'{pseudo_labelled_share!r}')
        self.same_image_wins = same_image_wins
        self.pseudo_labelled_share = pseudo_labelled_share
        self.labelled_repeats = 1
        super().__init__([labelled, pseudo_labelled],
                         lazy_init=lazy_init,
                         ignore_keys=['dataset_keypoint_weights'])

    def full_init(self) -> None:
        """Load both datasets, then settle the images they share."""
        if self._fully_initialized:
            return
        labelled, pseudo = self.datasets[0], self.datasets[-1]
        labelled.full_init()
        pseudo.full_init()
        labelled_rows = _rows_by_image(labelled)
        pseudo_rows = _rows_by_image(pseudo)
        shared = [image for image in pseudo_rows if image in labelled_rows]
        if shared and self.same_image_wins is None:
            first = shared[0]
            raise ValueError(
                f'{len(shared)} images are both in the pseudo-labels '
                f'{pseudo.ann_file} and in the labelled {labelled.ann_file}; '
                f'first {first} (line {pseudo_rows[first][1]} and line '
                f'{labelled_rows[first][1]}). Leave them out of one file, or '
                "set same_image_wins='labelled' or 'pseudo_labelled' in the "
                'train dataset')
        if shared:
            loser, loser_rows = (pseudo, pseudo_rows) if (
                self.same_image_wins == 'labelled') else (labelled,
                                                          labelled_rows)
            dropped = {loser_rows[image][0] for image in shared}
            loser.get_subset_(
                [i for i in range(len(loser)) if i not in dropped])
        if self.pseudo_labelled_share is not None:
            share = self.pseudo_labelled_share
            self.labelled_repeats = max(
                1, round((1 - share) / share * len(pseudo) / len(labelled)))
            self.datasets = [labelled] * self.labelled_repeats + [pseudo]
        super().full_init()

    @property
    def labelled(self) -> BaseDataset:
        """The labelled dataset."""
        return self.datasets[0]

    @property
    def pseudo_labelled(self) -> BaseDataset:
        """The pseudo-labelled dataset."""
        return self.datasets[-1]


def _rows_by_image(dataset: BaseDataset) -> Dict[str, List[int]]:
    """``image_id`` -> [sample index, CSV line] of a FashionAIDataset."""
    rows = {}
    for index in range(len(dataset)):
        raw = dataset.get_data_info(index)['raw_ann_info']
        rows[raw['image_id']] = [index, raw['line']]
    return rows
