"""A small synthetic tree shaped like the FashionAI download.

The real release is several folders, none in the configs' layout: the
round-1 training set (``Annotations/train.csv``), the warm-up set with a CSV
of its own name (``Annotations/annotations.csv``), test lists
(``test.csv``) and, later, answer files beside them; some images are in two
releases. :func:`write_download_layout` renders that shape from the
synthetic generator, for ``tools/dataset_converters/prepare_data.py`` to
prove itself on.
"""
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, Sequence

from fashionai_core.keypoints import CATEGORIES
from .generator import generate_synthetic

#: Release folder -> what it holds, named as the real archives unpack
#: (the warm-up archive is ``[update] warm_up_train_20180222.tar``, and
#: public scripts keep the prefix in the folder's name).
RELEASES = dict(
    round1='fashionAI_key_points_train_20180227/train',
    warm_up='[update] warm_up_train_20180222/train',
    test='fashionAI_key_points_test_a_20180227/test')
#: How many round-1 rows (and images) the warm-up set repeats verbatim.
SHARED_ROWS = 2


def write_download_layout(out_dir: str,
                          images_per_category: Dict[str, int],
                          seed: int = 0,
                          categories: Sequence[str] = CATEGORIES,
                          nproc: int = 1) -> Dict[str, str]:
    """Render a download-shaped tree under ``out_dir``.

    Args:
        out_dir: Where the release folders go (created; must not exist).
        images_per_category: ``train`` (round 1), ``val`` (the warm-up
            set's own images) and ``test`` (the test list) per category.
        seed, categories, nproc: As :func:`generate_synthetic`.

    Returns:
        dict: Release name (:data:`RELEASES`) -> its folder. The warm-up
        set repeats the first :data:`SHARED_ROWS` round-1 rows verbatim
        (with their images); the test list's answers are
        ``test_a_answers.csv`` beside ``test.csv``; the last round-1 image
        is cut short (unreadable).
    """
    if osp.exists(out_dir):
        raise FileExistsError(f'{out_dir}: exists; expected a new folder')
    parent = osp.dirname(osp.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    rendered = tempfile.mkdtemp(prefix='.download.', dir=parent)
    try:
        generate_synthetic(
            rendered,
            images_per_category,
            seed=seed,
            categories=categories,
            nproc=nproc)
        folders = {
            name: osp.join(out_dir, path)
            for name, path in RELEASES.items()
        }
        for name, split in (('round1', 'train'), ('warm_up', 'val'), ('test',
                                                                      'test')):
            os.makedirs(osp.dirname(folders[name]), exist_ok=True)
            shutil.move(osp.join(rendered, split), folders[name])
    finally:
        shutil.rmtree(rendered, ignore_errors=True)
    warm_up = folders['warm_up']
    os.rename(
        osp.join(warm_up, 'Annotations', 'val.csv'),
        osp.join(warm_up, 'Annotations', 'annotations.csv'))
    with open(osp.join(folders['round1'], 'Annotations', 'train.csv')) as f:
        round1_rows = f.read().splitlines()[1:]
    with open(osp.join(warm_up, 'Annotations', 'annotations.csv'), 'a') as f:
        for row in round1_rows[:SHARED_ROWS]:
            image_id = row.split(',')[0]
            os.makedirs(
                osp.dirname(osp.join(warm_up, image_id)), exist_ok=True)
            shutil.copyfile(
                osp.join(folders['round1'], image_id),
                osp.join(warm_up, image_id))
            f.write(row + '\n')
    test = folders['test']
    os.rename(
        osp.join(test, 'Annotations', 'test_answers.csv'),
        osp.join(test, 'test_a_answers.csv'))
    os.rmdir(osp.join(test, 'Annotations'))
    cut = osp.join(folders['round1'], round1_rows[-1].split(',')[0])
    with open(cut, 'rb') as f:
        data = f.read()
    with open(cut, 'wb') as f:
        f.write(data[:len(data) // 2])
    return folders
