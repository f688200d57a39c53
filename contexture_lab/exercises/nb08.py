"""Exercises of notebook 08 (attention heads and embeddings of real encoders)."""

import numpy as np

from . import as_number, call, compare_arrays, compare_numbers, register


def _attention_matrices():
    """Row-stochastic test matrices: a random one, a pure sink and a pure identity."""
    rng = np.random.default_rng(808)
    logits = rng.normal(size=(7, 7)) * 2
    soft = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sink = np.zeros((5, 5))
    sink[:, 0] = 1.0
    return [soft, sink, np.eye(6)]


# ---------------------------------------------------------------------- 08.sink_mass
def _check_sink_mass(func):
    for C in _attention_matrices():
        t = C.shape[0]
        expected = (C[:, 0].sum() + C[:, t - 1].sum()) / t   # independent: column sums
        answer = call(func, C)
        passed, message = compare_numbers(answer, expected, atol=1e-10,
                                          what=f"the sink mass of a {t} x {t} attention matrix")
        if not passed:
            if np.isclose(as_number(answer), C[:, 0].mean(), atol=1e-10):
                message += ": count the last token ([SEP]) as a sink too, not only [CLS]"
            return False, message
    return True, "sink mass = mean over queries of the attention on [CLS] and [SEP]"


def _sink_mass_solution(C):
    C = np.asarray(C, dtype=float)
    return float(C[:, [0, -1]].sum(axis=1).mean())


register(
    "08.sink_mass",
    prompt="write sink_mass(C): for a (T, T) attention matrix (rows sum to 1) the average "
           "over query tokens of the attention on the first ([CLS]) and last ([SEP]) token",
    nudge="the sinks are the first and the last token: columns 0 and T - 1 of C",
    hint="for each query (a row) add the attention on those two columns, then average "
         "over the rows: one number between 0 and 1",
    checker=_check_sink_mass,
    solution=_sink_mass_solution,
    starter='''\
def sink_mass(C):
    return cl.exercises.TODO          # mean over rows of C[i, 0] + C[i, -1]

cl.exercises.check("08.sink_mass", sink_mass)
''',
)


# ---------------------------------------------------------------------- 08.head_spectrum
def _check_head_spectrum(func):
    for C in _attention_matrices():
        t = C.shape[0]
        # independent reference: T = C in L2(uniform) -> L2(p_a), p_a = column mass / t;
        # its singular values are those of diag(1/sqrt t) P diag(1/sqrt p_a), P = C / t
        p_a = C.sum(axis=0) / t
        keep = p_a > 0
        Q = (C[:, keep] / t) / np.sqrt(np.full(t, 1 / t))[:, None] / np.sqrt(p_a[keep])
        s = np.linalg.svd(Q, compute_uv=False)
        expected = np.zeros(t - 1)
        expected[:min(t - 1, s.size - 1)] = s[1:t]
        passed, message = compare_arrays(call(func, C), expected, atol=1e-8,
                                         what=f"s_1..s_{t - 1} of a {t} x {t} head")
        if not passed:
            return False, message
    return True, ("the head as a context: s_1..s_{T-1}; a sink head has s_1 = 0 "
                  "(A is independent of X), the identity head has every s_i = 1")


def _head_spectrum_solution(C):
    import contexture_lab as cl
    from contexture_lab.heads import head_context

    C = np.asarray(C, dtype=float)
    ctx = head_context(C)
    s = cl.contexture(ctx, C.shape[0] - 1, on_degenerate="ignore").singular_values
    return np.asarray(s, dtype=float)


register(
    "08.head_spectrum",
    prompt="write head_spectrum(C): the singular values s_1..s_{T-1} (s_0 = 1 excluded) of "
           "the attention matrix C (T x T) seen as a context with uniform queries",
    nudge="the lab turns an attention matrix into a context (look in "
          "contexture_lab.heads); the context's contexture has "
          "the singular values",
    hint="ask for T - 1 values; a sink head has many equal (zero) singular values, so "
         "tell cl.contexture that a degenerate spectrum is fine (its on_degenerate "
         "option): the values are determined even where the functions are not",
    checker=_check_head_spectrum,
    solution=_head_spectrum_solution,
    starter='''\
def head_spectrum(C):
    return cl.exercises.TODO          # s_1..s_{T-1} of C as a context, uniform queries

cl.exercises.check("08.head_spectrum", head_spectrum)
''',
)
