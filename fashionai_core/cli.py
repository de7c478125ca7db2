"""What every command-line tool does on its way out."""
import dis
import os
import sys
import warnings
from typing import Callable, NoReturn, Optional

#: Exit status of a command whose output pipe closed (128 + SIGPIPE), as
#: the shell reports for ``cat`` in ``cat file | head -1``.
EXIT_PIPE_CLOSED = 141
#: The modules whose own ``raise`` of a ``ValueError`` reports bad input.
PROJECT_MODULES = ('__main__', 'fashionai_core', 'fashionai_dataset',
                   'fashionai_deploy', 'fashionai_patches', 'fashionai_tools',
                   'projects')


def raised_by_project(error: BaseException) -> bool:
    """Whether a ``raise`` statement of the project's code raised ``error``
    (the tool, or a module of :data:`PROJECT_MODULES`): its message for bad
    input. A ``ValueError`` that Python or a library raised (``a, = []``,
    a numpy shape) is a bug, whose traceback says where it is."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return True
    frame = tb.tb_frame
    module = frame.f_globals.get('__name__', '').partition('.')[0]
    return module in PROJECT_MODULES and any(
        i.offset == tb.tb_lasti and i.opname == 'RAISE_VARARGS'
        for i in dis.get_instructions(frame.f_code))


def run_tool(main: Callable[[], Optional[int]]) -> NoReturn:
    """``sys.exit(main())``, ending quietly when the output pipe closes, and
    with one line when the input or the file system is refused.

    ``tools/evaluate.py ... | head -1`` closes the pipe while the tool still
    prints; Python would end in a ``BrokenPipeError`` traceback, once from
    the print and again when it flushes ``stdout`` at exit. Here the tool
    stops at once with :data:`EXIT_PIPE_CLOSED` and no message. A
    ``ValueError`` (the project's errors for bad input: a CSV cell, an
    image, an output that would replace an input, a checkpoint; each names
    its file) and any other ``OSError`` (a missing file, a folder given
    where a file goes, a full disk) are printed as ``error: ...`` with
    exit 1; a ``ValueError`` the project did not raise itself (a bug, see
    :func:`raised_by_project`) keeps its traceback. A
    ``UserWarning`` the tool raises (a repeated row, a category in
    capitals) is printed as one ``warning: ...`` line, without Python's
    source location and line of code.
    """
    default_format = warnings.formatwarning

    def one_line(message, category, *args, **kwargs) -> str:
        if category is UserWarning:
            return f'warning: {message}\n'
        return default_format(message, category, *args, **kwargs)

    warnings.formatwarning = one_line
    try:
        status = main()
        sys.stdout.flush()  # a closed pipe raises here, not at exit
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it where that succeeds
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_PIPE_CLOSED)
    except (OSError, ValueError) as error:
        if not isinstance(error, OSError) and not raised_by_project(error):
            raise
        print(f'error: {error}', file=sys.stderr)
        sys.exit(1)
    sys.exit(status)
