"""A small synthetic tree shaped like the FashionAI download.

The real release is several folders, none in the configs' layout: the
round-1 training set (``Annotations/train.csv``), the warm-up set with a CSV
of its own name (``Annotations/annotations.csv``), the round-1 test lists
test_a and test_b (both unpack to a folder called ``test``; their answers,
published later, are put beside ``test.csv`` as public scripts do), and the
round-2 lists (``test.csv`` at the archive's top); some images are in two
releases. :func:`write_download_layout` renders that shape from the
synthetic generator, for ``tools/dataset_converters/prepare_data.py`` to
prove itself on.
"""
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, Sequence

from fashionai_core.csv_io import (IMAGE_LIST_HEADER, read_fashionai_csv,
                                   write_annotations, write_csv)
from fashionai_core.keypoints import CATEGORIES
from .generator import generate_synthetic

#: Release -> its folder, named as the real archives unpack (the warm-up
#: archive is ``[update] warm_up_train_20180222.tar``, and public scripts
#: keep the prefix in the folder's name).
RELEASES = dict(
    round1='fashionAI_key_points_train_20180227/train',
    warm_up='[update] warm_up_train_20180222/train',
    test_a='fashionAI_key_points_test_a_20180227/test',
    test_b='fashionAI_key_points_test_b_20180418/test',
    round2_test_a='round2_fashionAI_key_points_test_a_20180426',
    round2_test_b='round2_fashionAI_key_points_test_b_20180530')
#: Test list -> the answers file the organisers published beside it; the
#: round-2 answers were never published, so they are kept apart
#: (:data:`KEPT_ANSWERS`) for tests to score a submission with.
ANSWERS = dict(
    test_a='fashionAI_key_points_test_a_answer_20180426.csv',
    test_b='fashionAI_key_points_test_b_answer_20180426.csv')
#: The folder under the tree for the answers no release holds.
KEPT_ANSWERS = 'answers_not_released'
#: How many round-1 rows (and images) the warm-up set repeats verbatim.
SHARED_ROWS = 2
#: The test lists, in the order their rows are dealt.
TEST_LISTS = ('test_a', 'test_b', 'round2_test_a', 'round2_test_b')


def write_download_layout(out_dir: str,
                          images_per_category: Dict[str, int],
                          seed: int = 0,
                          categories: Sequence[str] = CATEGORIES,
                          nproc: int = 1) -> Dict[str, str]:
    """Render a download-shaped tree under ``out_dir``.

    Args:
        out_dir: Where the release folders go (created; must not exist).
        images_per_category: ``train`` (round 1), ``val`` (the warm-up
            set's own images) and ``test`` (each test list) per category.
        seed, categories, nproc: As :func:`generate_synthetic`.

    Returns:
        dict: Release name (:data:`RELEASES`) -> its folder. The warm-up
        set repeats the first :data:`SHARED_ROWS` round-1 rows verbatim
        (with their images); test_a and test_b have their answers
        (:data:`ANSWERS`) beside ``test.csv``, the round-2 lists' answers
        are in ``KEPT_ANSWERS/<release>.csv``; the last round-1 image is
        cut short (unreadable).
    """
    if osp.exists(out_dir):
        raise FileExistsError(f'{out_dir}: exists; expected a new folder')
    parent = osp.dirname(osp.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    rendered = tempfile.mkdtemp(prefix='.download.', dir=parent)
    folders = {
        name: osp.join(out_dir, path)
        for name, path in RELEASES.items()
    }
    try:
        counts = dict(images_per_category)
        counts['test'] = counts.get('test', 0) * len(TEST_LISTS)
        generate_synthetic(
            rendered, counts, seed=seed, categories=categories, nproc=nproc)
        for name, split in (('round1', 'train'), ('warm_up', 'val')):
            os.makedirs(osp.dirname(folders[name]), exist_ok=True)
            shutil.move(osp.join(rendered, split), folders[name])
        _deal_test_lists(osp.join(rendered, 'test'), folders, out_dir)
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
    cut = osp.join(folders['round1'], round1_rows[-1].split(',')[0])
    with open(cut, 'rb') as f:
        data = f.read()
    with open(cut, 'wb') as f:
        f.write(data[:len(data) // 2])
    return folders


def _deal_test_lists(rendered: str, folders: Dict[str, str],
                     out_dir: str) -> None:
    """Deal the rendered test rows in turn to :data:`TEST_LISTS`, each a
    ``test.csv`` with its images, and its answers where they belong."""
    answers = read_fashionai_csv(
        osp.join(rendered, 'Annotations', 'test_answers.csv'))
    for turn, name in enumerate(TEST_LISTS):
        rows = range(turn, len(answers), len(TEST_LISTS))
        ids = [answers.image_ids[r] for r in rows]
        categories = [answers.categories[r] for r in rows]
        folder = folders[name]
        for image_id in ids:
            os.makedirs(osp.dirname(osp.join(folder, image_id)), exist_ok=True)
            shutil.move(
                osp.join(rendered, image_id), osp.join(folder, image_id))
        write_csv(
            osp.join(folder, 'test.csv'), IMAGE_LIST_HEADER,
            [[i, c] for i, c in zip(ids, categories)])
        truth = osp.join(folder, ANSWERS[name]) if name in ANSWERS else (
            osp.join(out_dir, KEPT_ANSWERS, f'{RELEASES[name]}.csv'))
        os.makedirs(osp.dirname(truth), exist_ok=True)
        write_annotations(truth, ids, categories,
                          answers.keypoints[list(rows)],
                          answers.visibility[list(rows)])
