"""Paths a received file names: kept inside the folders the user gave.

An ``image_id`` in a CSV is a path relative to the image root the user
names; one that is absolute or climbs out with ``..`` would make a tool
read (or, for per-image outputs, write) outside that folder.
"""
import posixpath
import unicodedata
from typing import Callable, Dict, Iterable, Optional, TypeVar

Source = TypeVar('Source')

#: First characters that make a spreadsheet run a cell as a formula (CSV
#: injection); FashionAI ids are relative image paths, never so.
FORMULA_STARTS = ('=', '+', '-', '@')


def image_id_problem(image_id: str) -> Optional[str]:
    """Why ``image_id`` is not a relative path inside its root, or None.

    The reason is the same whether or not the path exists, so an error
    message tells nothing about the machine.
    """
    # control and format characters, line and paragraph separators
    control = [
        c for c in image_id
        if unicodedata.category(c) in ('Cc', 'Cf', 'Zl', 'Zp')
    ]
    if control:
        return (f'holds the control character {control[0]!r} (a line break, '
                'NUL or direction mark in a file name breaks or disguises '
                'the CSVs written from it)')
    if image_id.startswith(FORMULA_STARTS):
        return (f'begins with {image_id[0]!r}, which makes a spreadsheet '
                'read the cell as a formula')
    # C:\ or C:/ (a Windows drive); "x:y.jpg" is a plain name here
    drive = image_id[:1].isalpha() and image_id[1:3] in (':/', ':\\')
    if image_id.startswith(('/', '\\')) or drive:
        return 'is an absolute path'
    parts = image_id.replace('\\', '/').split('/')
    if '..' in parts:
        return 'has a ".." part, which can leave the image root'
    if posixpath.normpath(image_id.replace('\\', '/')) in ('.', ''):
        return 'names the image root itself'
    return None


def unique_outputs(sources: Iterable[Source],
                   output_of: Callable[[Source], str]) -> Dict[str, Source]:
    """Output path -> source, raising if two sources share an output.

    Raises:
        ValueError: Naming both sources and the output they would share.
    """
    claimed: Dict[str, Source] = {}
    for source in sources:
        output = output_of(source)
        if output in claimed:
            raise ValueError(f'{claimed[output]} and {source} would both '
                             f'write {output}; rename one, or put them in '
                             'different folders')
        claimed[output] = source
    return claimed
