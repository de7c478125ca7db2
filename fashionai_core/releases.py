"""From the FashionAI download to the configs' layout: find, check, merge,
split (docs/real_data.md, "Prepare", says how).

A *release folder* is one whose ``image_id`` paths are relative to it: an
annotated one holds ``Annotations/*.csv``, a test one ``test.csv`` (any
keypoint CSV beside it is that list's answers). :func:`prepare` turns
several into ``train/``, ``val/`` and the test lists.
"""
import hashlib
import os
import os.path as osp
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from tqdm import tqdm

from .csv_io import (IMAGE_LIST_HEADER, FashionAICSVError, FashionAIRecords,
                     read_fashionai_csv, write_annotations, write_csv)
from .image_check import FashionAIImageError, image_size, inside_image
from .keypoints import CATEGORIES, KEYPOINT_NAMES
from .outputs import inside

#: The file that marks a folder as this module's output (``--force`` only
#: replaces such a folder).
MARKER = 'prepared_by_fashionai.txt'
#: The marker's lines naming each file (or link) the tool wrote in OUT:
#: ``wrote: SIZE MTIME_NS RELATIVE/PATH``, as ``os.lstat`` gives them.
WROTE = 'wrote: '


class ReleaseError(ValueError):
    """The releases cannot be merged; the message names files and lines."""


@dataclass
class Release:
    """One release folder: its annotated CSVs, or its test list and the
    answers found beside it."""
    root: str
    annotations: List[str] = field(default_factory=list)
    test_list: Optional[str] = None
    answers: Optional[str] = None


@dataclass
class Row:
    """One annotated row of the pool, and where it came from."""
    root: str
    source: str
    line: int
    image_id: str
    category: str
    keypoints: np.ndarray
    visibility: np.ndarray


@dataclass
class Summary:
    """What :func:`prepare` found and wrote."""
    rows: Dict[str, Dict[str, int]]
    duplicates: int
    conflicts: List[str]
    same_pictures: List[str]
    #: (reason, category) -> pool rows left out (:data:`LEFT_OUT_REASONS`)
    left_out: Counter
    unusable: List[str]
    leaks: int
    outputs: Dict[str, str]
    #: Where each test list and answers file went, with its row counts.
    lists: List[str] = field(default_factory=list)


def _has_keypoints(path: str) -> bool:
    with open(path, encoding='utf-8-sig', errors='replace') as file:
        header = file.readline().strip().split(',')
    return len(header) > 2


def _csv_files(folder: str) -> List[str]:
    """The regular ``*.csv`` files in ``folder``, names read literally (a
    glob pattern would read the brackets of ``[update] warm_up_...`` as a
    character class); a FIFO named like a CSV would block its reader."""
    if not osp.isdir(folder):
        return []
    return sorted(
        osp.join(folder, name) for name in os.listdir(folder) if
        name.lower().endswith('.csv') and osp.isfile(osp.join(folder, name)))


def _release_at(root: str) -> Optional[Release]:
    """The release whose ``image_id`` paths start at ``root``, or None."""
    release = Release(root=root)
    test_list = osp.join(root, 'test.csv')
    if osp.isfile(test_list):
        release.test_list = test_list
        answers = [
            p for p in _csv_files(osp.join(root, 'Annotations')) +
            _csv_files(root) if p != test_list and _has_keypoints(p)
        ]
        if len(answers) > 1:
            raise ReleaseError(
                f'{root}: {len(answers)} answer files beside test.csv '
                f'({", ".join(answers)}); expected at most one')
        release.answers = answers[0] if answers else None
        return release
    release.annotations = [
        p for p in _csv_files(osp.join(root, 'Annotations'))
        if _has_keypoints(p)
    ]
    return release if release.annotations else None


def _subfolders(folder: str) -> List[str]:
    """The folders in ``folder``, sorted."""
    return sorted(
        osp.join(folder, name) for name in os.listdir(folder)
        if osp.isdir(osp.join(folder, name)))


def find_release(root: str) -> Release:
    """The annotated CSVs or the test list (and answers) in ``root``, or in
    its one subfolder that holds them (an archive's outer folder, such as
    ``fashionAI_key_points_train_20180227`` around ``train``).

    Raises:
        ReleaseError: ``root`` is not a folder, or holds no release (naming
            the folders below it that would qualify).
    """
    if not osp.isdir(root):
        raise ReleaseError(f'{root}: not a folder; expected a FashionAI '
                           'release folder')
    release = _release_at(root)
    if release:
        return release
    children = {child: _release_at(child) for child in _subfolders(root)}
    found = [r for r in children.values() if r]
    if len(found) == 1:
        return found[0]
    below = [r.root for r in found] + [
        r.root for child, release in children.items() if not release
        for r in map(_release_at, _subfolders(child)) if r
    ]
    where = (f'; these folders below it are: {", ".join(below[:8])}'
             if below else '')
    raise ReleaseError(
        f'{root}: no Annotations/*.csv with keypoint columns and no '
        'test.csv; expected a FashionAI release folder (the one image_id '
        f'paths start from){where}')


def _usable(root: str,
            records: FashionAIRecords,
            left_out: Optional[Counter] = None
            ) -> Tuple[List[int], Dict[int, str]]:
    """Rows whose image exists and reads (header only) and, for annotated
    rows, whose points lie in it (borders included), and for each other row
    why not (its file and line named); those are counted in ``left_out`` by
    (reason, category)."""
    kept: List[int] = []
    problems: Dict[int, str] = {}
    for row, image_id in enumerate(
            tqdm(
                records.image_ids,
                desc=f'checking {osp.basename(osp.normpath(root))}',
                leave=False)):
        path = osp.join(root, image_id)
        where = f'{records.path}, line {records.lines[row]}'
        try:
            if not inside(path, root):
                raise FashionAIImageError(
                    f'{path}: a link to {osp.realpath(path)}, outside its '
                    'release (only files inside the release are used)')
            if not osp.lexists(path):
                raise FashionAIImageError(f'{path}: does not exist')
            if not osp.isfile(path):
                raise FashionAIImageError(f'{path}: not a regular file')
            size = image_size(path)
        except FashionAIImageError as error:
            problems[row] = f'{where}: {error}'
            if left_out is not None:
                left_out['unreadable image', records.categories[row]] += 1
            continue
        if records.visibility is not None:
            defined = records.visibility[row] >= 0
            outside = defined & ~inside_image(records.keypoints[row],
                                              np.array(size))
            if outside.any():
                k = int(np.flatnonzero(outside)[0])
                x, y = records.keypoints[row][k]
                problems[row] = (
                    f'{where}: {KEYPOINT_NAMES[k]} at ({x:g}, {y:g}) lies '
                    f'outside its {size[0]}x{size[1]} image')
                if left_out is not None:
                    left_out['point outside', records.categories[row]] += 1
                continue
        kept.append(row)
    return kept, problems


#: Why a pool row is left out, in the summary's order.
LEFT_OUT_REASONS = ('unreadable image', 'point outside', 'conflict',
                    'same picture')

#: What ``--on-conflict`` does with an image annotated differently in two
#: places: stop (listing every conflict), keep the first row, drop both.
ON_CONFLICT = ('stop', 'first', 'drop')
#: Conflicts a refusal lists before it counts the rest.
MAX_LISTED = 20


def merge(releases: List[Release],
          unusable: List[str],
          on_conflict: str = 'stop',
          left_out: Optional[Counter] = None
          ) -> Tuple[List[Row], int, List[str]]:
    """Every usable annotated row once, in release and file order.

    Args:
        releases: The releases, annotated ones read.
        unusable: Where rows left out for their image are added.
        left_out: Where rows left out are counted by (reason, category):
            :data:`LEFT_OUT_REASONS`.
        on_conflict: See :data:`ON_CONFLICT`.

    Returns:
        tuple: The rows, how many verbatim repeats were dropped, and each
        conflict (the image, both files and lines) that was resolved.

    Raises:
        ReleaseError: With ``stop``, every image annotated differently in
            two places (the first :data:`MAX_LISTED`, then a count).
        FashionAICSVError: A malformed CSV (the reader's located error).
    """
    pool: Dict[str, Row] = {}
    duplicates = 0
    conflicts: List[str] = []
    dropped = set()
    for release in releases:
        for path in release.annotations:
            records = read_fashionai_csv(path, require_keypoints=True)
            duplicates += len(records.repeated_lines)
            kept, problems = _usable(release.root, records, left_out)
            unusable.extend(problems.values())
            for row in kept:
                item = Row(release.root, path, int(records.lines[row]),
                           records.image_ids[row], records.categories[row],
                           records.keypoints[row], records.visibility[row])
                seen = pool.get(item.image_id)
                if seen is None:
                    pool[item.image_id] = item
                elif _agree(seen, item):
                    duplicates += 1
                else:
                    conflicts.append(
                        f'{item.image_id}: {seen.source}, line {seen.line} '
                        f'and {item.source}, line {item.line}')
                    dropped.add(item.image_id)
                    if left_out is not None:
                        left_out['conflict', item.category] += 1
    if conflicts and on_conflict == 'stop':
        listed = '; '.join(conflicts[:MAX_LISTED])
        more = len(conflicts) - MAX_LISTED
        raise ReleaseError(
            f'{len(conflicts)} images are annotated differently in two '
            f'places: {listed}' + (f'; and {more} more' if more > 0 else '') +
            '; fix or remove one row of each, or pass --on-conflict first '
            '(keep the first row) or drop (leave both out)')
    if on_conflict == 'drop':
        if left_out is not None:
            for image_id in dropped:
                left_out['conflict', pool[image_id].category] += 1
        pool = {k: v for k, v in pool.items() if k not in dropped}
    return list(pool.values()), duplicates, conflicts


def _agree(a: Row, b: Row) -> bool:
    """Whether two rows annotate alike (category, points and ``v``)."""
    return (a.category == b.category
            and np.array_equal(a.visibility, b.visibility)
            and np.array_equal(a.keypoints, b.keypoints))


def _digest(path: str) -> str:
    """The hash of a file's bytes, read in chunks."""
    with open(path, 'rb') as file:
        return hashlib.file_digest(file, 'blake2b').hexdigest()


def one_row_per_picture(rows: List[Row],
                        pictures: Dict[str, Row],
                        left_out: Optional[Counter] = None
                        ) -> Tuple[List[Row], List[str]]:
    """The rows less a second row of the same picture (same bytes, another
    ``image_id``) whose annotations agree; one that disagrees is kept and
    listed too.

    Args:
        rows: The pool.
        pictures: Filled with each picture's hash -> its first row.
        left_out: Where a row counted once is counted as left out.

    Returns:
        tuple: The rows kept, and a line per picture found twice.
    """
    kept, found = [], []
    for row in tqdm(rows, desc='hashing images', leave=False):
        first = pictures.setdefault(
            _digest(osp.join(row.root, row.image_id)), row)
        agree = first is row or _agree(first, row)
        if first is not row:
            found.append(
                f'{row.source}, line {row.line}: {row.image_id} is the '
                f'picture of {first.image_id} ({first.source}, line '
                f'{first.line})' + ('; counted once' if agree else
                                    ', annotated differently; both kept'))
        if first is row or not agree:
            kept.append(row)
        elif left_out is not None:
            left_out['same picture', row.category] += 1
    return kept, found


def split(rows: List[Row], val_fraction: float,
          seed: int) -> Tuple[List[Row], List[Row]]:
    """(train, val): per category, ``round(n * val_fraction)`` rows drawn
    with ``seed``; the same rows for the same inputs."""
    rng = np.random.default_rng(seed)
    val_ids = set()
    for category in CATEGORIES:
        ids = sorted(r.image_id for r in rows if r.category == category)
        count = int(round(len(ids) * val_fraction))
        val_ids.update(ids[i] for i in rng.permutation(len(ids))[:count])
    return ([r for r in rows if r.image_id not in val_ids],
            [r for r in rows if r.image_id in val_ids])


def _place(source: str, target: str, copy: bool) -> None:
    os.makedirs(osp.dirname(target), exist_ok=True)
    if copy:
        shutil.copyfile(source, target)
    else:
        os.symlink(osp.abspath(source), target)


def _write_split(folder: str, csv_name: str, rows: List[Row],
                 copy: bool) -> str:
    path = osp.join(folder, 'Annotations', csv_name)
    os.makedirs(osp.dirname(path), exist_ok=True)
    write_annotations(path, [r.image_id for r in rows],
                      [r.category for r in rows],
                      np.stack([r.keypoints for r in rows]),
                      np.stack([r.visibility for r in rows]))
    for row in tqdm(rows, desc=f'linking {osp.basename(folder)}', leave=False):
        _place(
            osp.join(row.root, row.image_id), osp.join(folder, row.image_id),
            copy)
    return path


def _write_test(folder: str, release: Release, copy: bool,
                unusable: List[str]) -> Tuple[str, FashionAIRecords, int]:
    """Write a test list, link its usable images, copy its answers.

    Returns:
        tuple: The list's path under ``folder``, its records, and how many
        answer rows were written (0 without answers).
    """
    records = read_fashionai_csv(release.test_list, require_keypoints=False)
    kept, problems = _usable(release.root, records)
    unusable.extend(problems.values())
    usable = set(kept)
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'test.csv')
    write_csv(path, IMAGE_LIST_HEADER,
              [[i, c] for i, c in zip(records.image_ids, records.categories)])
    for row, image_id in enumerate(records.image_ids):
        if row in usable:
            _place(
                osp.join(release.root, image_id), osp.join(folder, image_id),
                copy)
    if not release.answers:
        return path, records, 0
    answers = read_fashionai_csv(release.answers, require_keypoints=True)
    # a point outside a readable image is left out; an unreadable image
    # is listed once, from the list
    readable = {records.image_ids[row] for row in usable}
    _, problems = _usable(release.root, answers)
    outside = {row for row in problems if answers.image_ids[row] in readable}
    unusable.extend(problems[row] for row in sorted(outside))
    rows = [row for row in range(len(answers)) if row not in outside]
    write_annotations(
        osp.join(folder, 'Annotations',
                 'test_answers.csv'), [answers.image_ids[r] for r in rows],
        [answers.categories[r] for r in rows], answers.keypoints[rows],
        answers.visibility[rows])
    return path, records, len(rows)


def _check_answers(release: Release) -> str:
    """Check that a test list's answers answer its images, in their
    categories; return what the summary says of the unanswered ones.

    Raises:
        ReleaseError: An answer row for an image the list does not have,
            or in another category than the list's.
    """
    listed = read_fashionai_csv(release.test_list, require_keypoints=False)
    answers = read_fashionai_csv(release.answers, require_keypoints=True)
    categories = dict(zip(listed.image_ids, listed.categories))
    for image_id, category, line in zip(answers.image_ids, answers.categories,
                                        answers.lines):
        if image_id not in categories:
            raise ReleaseError(
                f'{release.answers}, line {line}: answers {image_id}, which '
                f'{release.test_list} does not list; not answers of that '
                'list')
        if category != categories[image_id]:
            raise ReleaseError(
                f'{release.answers}, line {line}: {image_id} is a '
                f'{category} here and a {categories[image_id]} in '
                f'{release.test_list}')
    unanswered = sorted(set(listed.image_ids) - set(answers.image_ids))
    return (f'; {len(unanswered)} listed images have no answer (e.g. '
            f'{unanswered[0]})' if unanswered else '')


def _check_out(out: str, force: bool, roots: List[str]) -> None:
    """Refuse an OUT that is, holds or lies inside a release, or one that
    is not empty (without ``force``, or without this tool's marker)."""
    for root in roots:
        if inside(out, root) or inside(root, out):
            raise ReleaseError(
                f'{out}: is, holds or lies inside the release {root}; '
                'pass an --out outside every release')
    if not osp.lexists(out):
        return
    if osp.islink(out):
        raise ReleaseError(f'{out}: is a link; pass another --out')
    if not osp.isdir(out):
        raise ReleaseError(f'{out}: exists and is not a folder; pass '
                           'another --out')
    if not os.listdir(out):
        return
    if not force:
        raise ReleaseError(f'{out}: not empty; pass another --out, or '
                           '--force to replace what prepare_data.py wrote '
                           'there')
    if not osp.isfile(osp.join(out, MARKER)):
        raise ReleaseError(
            f'{out}: not made by prepare_data.py (no {MARKER}), so --force '
            'leaves it as it is; pass another --out')
    with open(osp.join(out, MARKER), encoding='utf-8', errors='replace') as f:
        wrote = {
            line[len(WROTE):]
            for line in f.read().splitlines() if line.startswith(WROTE)
        }
    found = _files(out)
    added = sorted(p for p, stat in found.items()
                   if p != MARKER and f'{stat} {p}' not in wrote)
    if added:
        raise ReleaseError(
            f'{out}: holds {", ".join(added[:5])}' +
            (f' and {len(added) - 5} more' if len(added) > 5 else '') +
            ', which prepare_data.py did not write or which changed since; '
            '--force replaces only what it wrote, unchanged: move those '
            'away first')


def _files(folder: str) -> Dict[str, str]:
    """Every file and link below ``folder`` ('/'-separated relative path)
    -> ``"SIZE MTIME_NS"`` of its ``os.lstat``; folders are walked, links
    to folders are not."""
    found = {}
    for where, folders, names in os.walk(folder):
        for name in names + [
                f for f in folders if osp.islink(osp.join(where, f))
        ]:
            path = osp.join(where, name)
            stat = os.lstat(path)
            relative = osp.relpath(path, folder).replace(os.sep, '/')
            found[relative] = f'{stat.st_size} {stat.st_mtime_ns}'
    return found


def prepare(roots: List[str],
            out: str,
            val_fraction: float = 0.05,
            seed: int = 0,
            copy: bool = False,
            force: bool = False,
            train_on_answers: bool = False,
            on_conflict: str = 'stop',
            content_check: bool = True) -> Summary:
    """Write the configs' layout under ``out`` from release folders.

    ``on_conflict``: see :func:`merge`. ``content_check``: hash every
    image (:func:`one_row_per_picture`), so that one picture under two
    names is counted once and a test image whose bytes are in the pool is a
    leak as well as one whose id is. With ``train_on_answers``, a test
    list that has answers joins the annotated pool (its answers file read
    as that release's annotations), as the round-2 training set was
    round-1 train plus the answered test_a and test_b; lists without
    answers stay test lists.

    Raises:
        ReleaseError: A folder that is not a release, conflicting rows,
            no annotated release, ``out`` not empty (without ``force``, or
            not made by this function).
        FashionAICSVError: A malformed CSV, located.
    """
    if not 0 <= val_fraction < 1:
        raise ReleaseError(f'--val-fraction {val_fraction}: expected a '
                           'number in [0, 1)')
    out = osp.abspath(out)  # '.' cannot be renamed
    releases = [find_release(root) for root in roots]
    seen: Dict[str, str] = {}
    for root, release in zip(roots, releases):
        first = seen.setdefault(osp.realpath(release.root), root)
        if first != root:
            raise ReleaseError(f'{first} and {root}: the same release given '
                               'twice; give it once')
    unanswered = {r.answers: _check_answers(r) for r in releases if r.answers}
    pooled_answers = [
        r.answers for r in releases if train_on_answers and r.answers
    ]
    if train_on_answers:
        releases = [
            Release(root=r.root, annotations=[r.answers]) if r.answers else r
            for r in releases
        ]
    _check_out(out, force, roots)
    if not any(r.annotations for r in releases):
        raise ReleaseError('no annotated release among '
                           f'{", ".join(roots)}; expected at least one '
                           'folder with Annotations/*.csv')
    unusable: List[str] = []
    left_out: Counter = Counter()
    rows, duplicates, conflicts = merge(releases, unusable, on_conflict,
                                        left_out)
    if not rows:
        raise ReleaseError(
            f'no usable annotated row: {len(unusable)} left out, e.g. ' +
            '; '.join(unusable[:3]))
    pictures: Dict[str, Row] = {}
    same_pictures: List[str] = []
    if content_check:
        rows, same_pictures = one_row_per_picture(rows, pictures, left_out)
    train, val = split(rows, val_fraction, seed)
    if not train:
        raise ReleaseError(f'--val-fraction {val_fraction} leaves no '
                           f'training rows of the {len(rows)}; pass a '
                           'smaller one')
    # beside OUT as it resolves: never inside a release through a link
    parent = osp.dirname(osp.realpath(out))
    os.makedirs(parent, exist_ok=True)
    building = tempfile.mkdtemp(
        prefix=f'.{osp.basename(osp.abspath(out))}.', dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(building, 0o777 & ~umask)  # mkdtemp's 0700 is for the build
    try:
        outputs = {
            'train':
            _write_split(
                osp.join(building, 'train'), 'train.csv', train, copy)
        }
        if val:
            outputs['val'] = _write_split(
                osp.join(building, 'val'), 'val.csv', val, copy)
        tests = [r for r in releases if r.test_list]
        pooled = {r.image_id for r in rows}
        leaks = 0
        counts = {
            'train': _per_category(r.category for r in train),
            'val': _per_category(r.category for r in val)
        }
        lists = [
            f'{path}: {sum(r.source == path for r in rows)} rows into the '
            f'training pool{unanswered[path]}' for path in pooled_answers
        ]
        for release, name in zip(tests, list_names(tests)):
            path, records, answered = _write_test(
                osp.join(building, name), release, copy, unusable)
            outputs[name] = path
            counts[name] = _per_category(records.categories)
            lists.append(
                f'{release.test_list} -> {name}: {len(records)} rows, ' +
                (f'answers {release.answers}: {answered} rows'
                 f'{unanswered[release.answers]}' if release.
                 answers else 'no answers'))
            leaks += sum(
                i in pooled or (content_check and _pictured(
                    osp.join(release.root, i), pictures))
                for i in records.image_ids)
        written = sorted(_files(building).items())
        with open(osp.join(building, MARKER), 'w') as file:
            file.write('made by tools/dataset_converters/prepare_data.py '
                       'from: ' + ', '.join(osp.abspath(r) for r in roots) +
                       '\n' + ''.join(f'{WROTE}{stat} {path}\n'
                                      for path, stat in written))
        # OUT may have appeared or changed since the start: checked again
        _check_out(out, force, roots)
        if osp.isdir(out) and os.listdir(out):
            old = tempfile.mkdtemp(
                prefix=f'.{osp.basename(out)}.old.', dir=parent)
            os.rename(out, osp.join(old, 'previous'))
            os.rename(building, out)
            if osp.isfile(osp.join(old, 'previous', MARKER)):
                shutil.rmtree(old)
            else:  # swapped in after the check: kept, and said
                raise ReleaseError(
                    f'{out}: changed while this tool ran; what was there '
                    f'is kept in {old}/previous')
        else:
            if osp.isdir(out):
                os.rmdir(out)  # empty
            os.rename(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return Summary(
        rows=counts,
        duplicates=duplicates,
        conflicts=conflicts,
        same_pictures=same_pictures,
        left_out=left_out,
        unusable=unusable,
        leaks=leaks,
        lists=lists,
        outputs={
            k: osp.join(out, osp.relpath(v, building))
            for k, v in outputs.items()
        })


def list_names(tests: List[Release]) -> List[str]:
    """The folder name of each test list under OUT: ``test`` for one list;
    for several, the last part of each release's path, or for lists whose
    last parts are equal the part above
    (``fashionAI_key_points_test_a_20180227`` for ``.../test_a.../test``
    beside ``.../test_b.../test``), and so on up.

    Raises:
        ReleaseError: Two lists from one folder.
    """
    if len(tests) < 2:
        return ['test'] * len(tests)
    paths = [osp.realpath(r.root).split(os.sep) for r in tests]
    depths = [1] * len(paths)
    while True:
        names = [p[-d] if d <= len(p) else '' for p, d in zip(paths, depths)]
        if '' in names:
            raise ReleaseError('two test lists from one folder: ' +
                               ', '.join(r.root for r in tests))
        shared = [names.count(n) > 1 for n in names]
        if not any(shared):
            break
        depths = [d + s for d, s in zip(depths, shared)]
    if set(names) & {'train', 'val', MARKER}:  # the pool's folders
        names = [f'test_{name}' for name in names]
    return names


def _pictured(path: str, pictures: Dict[str, Row]) -> bool:
    """Whether the image at ``path`` is a picture of the pool."""
    try:
        return _digest(path) in pictures
    except OSError:  # unreadable test images are listed already
        return False


def _per_category(categories) -> Dict[str, int]:
    counts = {c: 0 for c in CATEGORIES}
    for category in categories:
        counts[category] += 1
    return counts


__all__ = [
    'FashionAICSVError', 'MARKER', 'Release', 'ReleaseError', 'Summary',
    'find_release', 'list_names', 'merge', 'prepare', 'split'
]
