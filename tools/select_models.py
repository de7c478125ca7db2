"""Choose the model (or ensemble) with the lowest validation NE per category.

Usage:
    python tools/select_models.py VAL_ANN.csv --model hrnet=hrnet_val.csv \
        --model res50=res50_val.csv [--model old=old_results.json]
        [--max-members 2] [--checkpoint hrnet=work_dirs/.../best.pth ...]
        [--test-pred hrnet=hrnet_test.csv ... -o merged_test.csv]

Each ``--model`` gives a model's validation predictions: a submission CSV
(ensembles of up to ``--max-members`` models are then tried, equal
weights), or the JSON that ``tools/evaluate.py --json`` wrote (single
models only). Prints each model's NE per category and the choice; with
``--checkpoint`` the ``tools/predict.py`` arguments of the choice, and with
``--test-pred``/``-o`` a test submission merged from the chosen models' test
predictions.
"""
import argparse
import json
import sys
from typing import Dict, List, Optional

from tabulate import tabulate

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (FashionAIRecords, read_fashionai_csv,
                                   write_submission)
from fashionai_core.ensemble import (CategoryChoice, best_in_table,
                                     choose_per_category, mean_submission,
                                     per_category_ne)
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.outputs import check_output


def named_paths(pairs: List[str], option: str) -> Dict[str, str]:
    result = {}
    for pair in pairs or []:
        name, sep, path = pair.partition('=')
        if not sep or not name or not path:
            raise SystemExit(f'error: {option} takes NAME=PATH, got {pair!r}')
        if name in result:
            raise SystemExit(f'error: {option} names {name!r} twice')
        result[name] = path
    return result


#: The largest NE (percent) a results file may report: a point 100 times
#: its normalizer away.
MAX_NE = 1e4


def read_json_results(path: str) -> Dict[str, float]:
    """NE per category from ``tools/evaluate.py --json``; each value checked
    to be a finite number in [0, :data:`MAX_NE`]."""
    with open(path) as file:
        try:
            summary = json.load(file)
        except (ValueError, RecursionError) as error:
            raise ValueError(f'{path}: not the JSON of tools/evaluate.py '
                             f'--json ({type(error).__name__})') from None
    if not isinstance(summary, dict):
        raise ValueError(f'{path}: expected the JSON object of '
                         'tools/evaluate.py --json')
    found = {c: summary[f'NE/{c}'] for c in CATEGORIES if f'NE/{c}' in summary}
    if not found:
        raise ValueError(f'{path}: no NE/<category> entries; expected the '
                         'JSON of tools/evaluate.py --json')
    checked = {f'NE/{c}': value for c, value in found.items()}
    if 'NE' in summary:  # the overall figure: garbage there, garbage here
        checked['NE'] = summary['NE']
    for key, value in checked.items():
        if isinstance(value, bool) or not isinstance(
                value, (int, float)) or not 0 <= value <= MAX_NE:
            raise ValueError(f'{path} ({key}): expected a finite NE in [0, '
                             f'{MAX_NE:g}] percent, got {value!r}')
    return found


def merged_test_submission(
    choices: List[CategoryChoice],
    tests: Dict[str, FashionAIRecords],
) -> FashionAIRecords:
    """The chosen models' test predictions, category by category."""
    missing = sorted({m for c in choices for m in c.members} - set(tests))
    if missing:
        raise ValueError(f'no --test-pred for {", ".join(missing)}')
    merged = mean_submission(list(tests.values()))
    for choice in choices:
        chosen = mean_submission([tests[m] for m in choice.members])
        rows = [
            row for row, c in enumerate(merged.categories)
            if c == choice.category
        ]
        # mean_submission keeps the first input's row order
        order = {
            image_id: row
            for row, image_id in enumerate(chosen.image_ids)
        }
        for row in rows:
            merged.keypoints[row] = chosen.keypoints[order[
                merged.image_ids[row]]]
    return merged


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('annotations', help='validation annotation CSV')
    parser.add_argument(
        '--model',
        action='append',
        required=True,
        metavar='NAME=VAL_PRED',
        help='CSV or evaluate JSON')
    parser.add_argument('--max-members', type=int, default=1)
    parser.add_argument('--checkpoint', action='append', metavar='NAME=CKPT')
    parser.add_argument('--test-pred', action='append', metavar='NAME=CSV')
    parser.add_argument('-o', '--out', help='merged test submission to write')
    args = parser.parse_args(argv)
    models = named_paths(args.model, '--model')
    checkpoints = named_paths(args.checkpoint, '--checkpoint')
    test_paths = named_paths(args.test_pred, '--test-pred')
    if bool(test_paths) != bool(args.out):
        parser.error('--test-pred and -o go together')
    if args.max_members < 1:
        parser.error('--max-members must be at least 1')
    if args.out:
        check_output(args.out, [
            args.annotations, *models.values(), *checkpoints.values(),
            *test_paths.values()
        ])
    annotations = read_fashionai_csv(args.annotations, require_keypoints=True)
    csv_models = {
        name:
        read_fashionai_csv(path, allow_decimal=True, require_keypoints=True)
        for name, path in models.items() if not path.endswith('.json')
    }
    table = per_category_ne(annotations, csv_models)
    table.update({
        name: read_json_results(path)
        for name, path in models.items() if path.endswith('.json')
    })
    if args.max_members > 1:
        if len(csv_models) != len(models):
            raise ValueError('ensembles need every model as a CSV of '
                             'predictions, not a JSON of results')
        choices = choose_per_category(annotations, csv_models,
                                      args.max_members)
    else:
        choices = best_in_table(table)
    tests = {
        name:
        read_fashionai_csv(path, allow_decimal=True, require_keypoints=True)
        for name, path in test_paths.items()
    }
    merged = merged_test_submission(choices, tests) if tests else None

    rows = [[name] + [
        f'{table[name][c]:.3f}' if c in table[name] else '-'
        for c in CATEGORIES
    ] for name in models]
    print('NE % per category on', args.annotations)
    print(tabulate(rows, headers=['model'] + list(CATEGORIES)))
    print('\nchoice (lowest NE; ensembles average with equal weights):')
    for choice in choices:
        print(f'  {choice.category:9s} {" + ".join(choice.members):30s} '
              f'{choice.ne:.3f}% ({len(choice.members)} model'
              f'{"s" if len(choice.members) > 1 else ""})')
    if checkpoints:
        arguments = [
            f'--model {choice.category}={checkpoints[member]}'
            for choice in choices for member in choice.members
            if member in checkpoints
        ]
        print('\ntools/predict.py arguments:\n  ' + ' '.join(arguments))
    if merged is not None:
        try:
            write_submission(args.out, merged.image_ids, merged.categories,
                             merged.keypoints)
        except ValueError as error:  # a --test-pred without every point
            print(
                f'error: {error}; expected --test-pred submissions with '
                'every point of each image\'s category',
                file=sys.stderr)
            return 1
        print(f'\nmerged test submission written to {args.out}')
    return 0


if __name__ == '__main__':
    run_tool(main)
