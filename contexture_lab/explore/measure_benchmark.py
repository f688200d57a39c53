"""The shipped similarity-measure benchmark, run end to end (notebook 13).

    python -m contexture_lab.explore.measure_benchmark --run [--quick] [--out PATH]

Reads MiniLM-L6's attention and hidden states on eight corpus sentences (cached forward pass,
offline) and hands them to :func:`contexture_lab.measure_benchmark.run_default`, which builds
the three contexts, the encoder families and the ranking, and writes
``contexture_lab/data/measure_benchmark.json``. About four minutes on two free cores.
"""

from __future__ import annotations

import argparse

from .. import measure_benchmark as _mb

#: The model and texts of the head context.
MODEL = "minilm-l6"
N_TEXTS = 8


def head_forward():
    """The cached forward pass whose head the benchmark uses (attentions and states).

    Returns
    -------
    contexture_lab.pretrained.Forward
        ``MODEL`` on the first ``N_TEXTS`` texts of the shipped corpus, with
        ``attentions`` and ``states`` (read from the disk cache when it holds them).
    """
    from ..pretrained import forward, load_corpus

    texts = load_corpus(20).texts[:N_TEXTS]
    return forward(MODEL, texts, attentions=True, states=True)


def run(*, path=None, quick: bool = False, **kwargs) -> dict:
    """:func:`contexture_lab.measure_benchmark.run_default` on MiniLM-L6's head.

    Parameters
    ----------
    path : str or path-like, optional
        Where to write the JSON; default
        :data:`contexture_lab.measure_benchmark.RESULT_PATH`.
    quick : bool, default=False
        Fewer training epochs and small-n repetitions (a smoke run).
    **kwargs : dict
        Passed to :func:`~contexture_lab.measure_benchmark.run_default` (``seeds``,
        ``n_rows``, ``n_permutations``, ``log``).

    Returns
    -------
    dict
        The result written, as :func:`~contexture_lab.measure_benchmark.run_default`
        returns it.
    """
    return _mb.run_default(head_forward(), path=path, quick=quick, **kwargs)


def main(argv=None) -> None:
    """The command line: ``--run`` runs the benchmark, otherwise prints the help.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (``--run``, ``--quick``, ``--out PATH``); default ``sys.argv[1:]``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the benchmark and write JSON")
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repetitions")
    parser.add_argument("--out", default=None,
                        help=f"output path (default {_mb.RESULT_PATH})")
    args = parser.parse_args(argv)
    if not args.run:
        parser.print_help()
        return
    run(path=args.out, quick=args.quick)


__all__ = ["MODEL", "N_TEXTS", "head_forward", "main", "run"]

if __name__ == "__main__":
    main()
