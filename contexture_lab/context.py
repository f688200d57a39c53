"""The :class:`Context`: a finite joint distribution P+(x, a) and its expectation operator.

Notation (THEORY.md section 2): ``P`` is the N x M joint matrix, ``p_x`` its row sums,
``p_a`` its column sums, ``T`` the expectation operator with matrix
``C = diag(p_x)^-1 P`` (row-stochastic) and ``T*`` its adjoint in L2(P_X) / L2(P_A).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._validation import as_float_array, check_rng, power_of_two_scale

#: Largest N for which :meth:`Context.dual_kernel` builds the dense N x N Gram matrix.
MAX_DENSE_KERNEL = 20_000


def _inverse(values: np.ndarray) -> np.ndarray:
    """1 / values where values > 0, else 0 (a column without mass contributes nothing)."""
    out = np.zeros_like(values)
    positive = values > 0
    out[positive] = 1.0 / values[positive]
    return out


def _divide_rows(A, by: np.ndarray):
    """Row i of A divided by ``by[i]`` where ``by[i] > 0``, else 0; dense or sparse (CSR).

    Rows are multiplied by ``1 / by`` (as before: the same bits), except where that
    reciprocal is not finite (a subnormal mass such as 1e-310): those rows are divided.
    """
    with np.errstate(over="ignore"):
        inv = _inverse(by)
    tiny = ~np.isfinite(inv)
    if sp.issparse(A):
        out = sp.diags(np.where(tiny, 0.0, inv)) @ A
        if tiny.any():
            D = sp.csr_matrix(A, copy=True)
            rows = np.repeat(np.arange(D.shape[0]), np.diff(D.indptr))
            keep = tiny[rows]
            D.data = np.where(keep, D.data / np.where(keep, by[rows], 1.0), 0.0)
            out = out + D
        return out
    A = np.asarray(A)
    shape = (-1,) + (1,) * (A.ndim - 1)
    out = A * np.where(tiny, 0.0, inv).reshape(shape)
    if tiny.any():
        out[tiny] = A[tiny] / by[tiny].reshape((-1,) + (1,) * (A.ndim - 1))
    return out


def _shares_memory(a, b) -> bool:
    """Whether array or sparse matrix ``a`` uses the memory of ``b``."""
    if sp.issparse(a):
        return sp.issparse(b) and any(np.may_share_memory(getattr(a, k), getattr(b, k))
                                      for k in ("data", "indices", "indptr")
                                      if hasattr(b, k))
    if hasattr(b, "detach"):  # a torch tensor: its numpy view shares the memory
        return True
    return isinstance(b, np.ndarray) and np.may_share_memory(a, b)


class Context:
    """A finite context: the joint distribution of an input X and a context variable A.

    Parameters
    ----------
    P : array-like or scipy.sparse matrix, shape (N, M)
        Joint probabilities P+(x, a). Entries must be finite and >= 0 and sum to 1
        (pass ``normalize=True`` to divide non-negative weights by their total). Every
        row needs positive mass (each x must have a context); a column without mass is
        allowed and simply never drawn. Sparse input stays sparse (CSR). The context keeps
        its own copy, so editing the caller's array later changes neither P nor the
        marginals (features are kept as given, shared with the caller).
    x_features : array-like, shape (N, p), optional
        Features of the inputs, read by neural encoders.
    a_features : array-like, shape (M, q), optional
        Features of the context values.
    normalize : bool, default=False
        Divide ``P`` by its total mass instead of requiring it to sum to 1.
    name : str, optional
        A short label used in plots and ``repr``.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]]))
    >>> ctx.p_x, ctx.p_a
    (array([0.5, 0.5]), array([0.25, 0.75]))
    """

    def __init__(self, P, x_features=None, a_features=None, *, normalize: bool = False,
                 name: str | None = None):
        given = P
        P = as_float_array(P, "P", ndim=2, allow_sparse=True)
        n, m = P.shape
        if n == 0 or m == 0:
            raise ValueError(f"P has shape {P.shape}; expected at least one row and one column")
        data = P.data if sp.issparse(P) else P
        if (data < 0).any():
            raise ValueError(f"P has {int((data < 0).sum())} negative entr(ies) (min "
                             f"{data.min():.3g}); a joint distribution must be >= 0")
        if normalize:  # exact (a power of two): a total near 1e308 cannot overflow
            P = P / power_of_two_scale(P)
            data = P.data if sp.issparse(P) else P
        total = float(data.sum())
        if total <= 0:
            raise ValueError("P has no mass (all entries are zero); expected a joint "
                             "distribution that sums to 1")
        if normalize:
            P = P / total
        elif abs(total - 1.0) > 1e-8:
            raise ValueError(f"P sums to {total:.10g}; a joint distribution must sum to 1 "
                             "(pass normalize=True to rescale non-negative weights)")
        elif _shares_memory(P, given):  # the caller's array: editing it must not edit ctx
            P = P.copy()
        if sp.issparse(P):
            P = sp.csr_matrix(P)
            P.eliminate_zeros()
            P.sort_indices()
        self._P = P
        self._p_x = np.asarray(P.sum(axis=1)).ravel()
        self._p_a = np.asarray(P.sum(axis=0)).ravel()
        empty = np.flatnonzero(self._p_x <= 0)
        if empty.size:
            raise ValueError(f"{empty.size} row(s) of P have no context mass (first: row "
                             f"{empty[0]}); every input x needs P+(x, a) > 0 for some a")
        self.x_features = self._check_features(x_features, n, "x_features", "rows of P")
        self.a_features = self._check_features(a_features, m, "a_features", "columns of P")
        self.name = name

    @staticmethod
    def _check_features(features, count, name, what):
        if features is None:
            return None
        features = as_float_array(features, name, ndim=(1, 2))
        if features.ndim == 1:
            features = features[:, None]
        if features.shape[0] != count:
            raise ValueError(f"{name} has {features.shape[0]} rows; expected {count} "
                             f"(one per {what[:-1] if what.endswith('s') else what})")
        return features

    # ------------------------------------------------------------------ basic facts
    @property
    def P(self):
        """The joint matrix, (N, M): dense ndarray or CSR."""
        return self._P

    @property
    def shape(self) -> tuple[int, int]:
        return self._P.shape

    @property
    def n_inputs(self) -> int:
        """N, the number of input values."""
        return self._P.shape[0]

    @property
    def n_contexts(self) -> int:
        """M, the number of context values."""
        return self._P.shape[1]

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self._P)

    @property
    def p_x(self) -> np.ndarray:
        """Marginal of X, shape (N,)."""
        return self._p_x

    @property
    def p_a(self) -> np.ndarray:
        """Marginal of A, shape (M,); zero for a context value that is never drawn."""
        return self._p_a

    def conditional(self):
        """The row-stochastic matrix C = diag(p_x)^-1 P of T.

        Returns
        -------
        ndarray or scipy.sparse.csr_matrix, shape (N, M)
            ``C[x, a] = P+(a | x)``; sparse if P is.

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]])).conditional()
        array([[0.5, 0.5],
               [0. , 1. ]])
        """
        if self.is_sparse:
            return _divide_rows(self._P, self._p_x)
        return self._P / self._p_x[:, None]

    def normalized(self):
        """Q = diag(p_x)^-1/2 P diag(p_a)^-1/2; its SVD gives the contexture.

        Returns
        -------
        ndarray or scipy.sparse.csr_matrix, shape (N, M)
            Sparse if P is; a column without mass is zero. Its top singular value is 1
            (the constant functions).

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]])).normalized().round(4)
        array([[0.7071, 0.4082],
               [0.    , 0.8165]])
        """
        rx = 1.0 / np.sqrt(self._p_x)
        with np.errstate(over="ignore"):
            ra = np.sqrt(_inverse(self._p_a))
        # a subnormal mass such as 1e-310 has no finite reciprocal; 1 / sqrt of it is finite
        tiny = ~np.isfinite(ra)
        ra[tiny] = 1.0 / np.sqrt(self._p_a[tiny])
        if self.is_sparse:
            return sp.csr_matrix(sp.diags(rx) @ self._P @ sp.diags(ra))
        return self._P * rx[:, None] * ra[None, :]

    # ------------------------------------------------------------------ operators
    def _check_function(self, values, length, name):
        values = as_float_array(values, name, ndim=(1, 2))
        if values.shape[0] != length:
            raise ValueError(f"{name} has {values.shape[0]} rows; expected {length}")
        return values

    def expect(self, g) -> np.ndarray:
        """(T g)(x) = E[g(A) | X = x].

        Parameters
        ----------
        g : array-like, shape (M,) or (M, k)
            A function (or k functions) of the context value.

        Returns
        -------
        ndarray, shape (N,) or (N, k)

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]])).expect([1.0, 0.0])
        array([0.5, 0. ])
        """
        g = self._check_function(g, self.n_contexts, "g")
        out = self._P @ g
        return np.asarray(out) / (self._p_x if g.ndim == 1 else self._p_x[:, None])

    def expect_adjoint(self, f) -> np.ndarray:
        """(T* f)(a) = E[f(X) | A = a]; 0 for a context value without mass.

        Parameters
        ----------
        f : array-like, shape (N,) or (N, k)
            A function (or k functions) of the input.

        Returns
        -------
        ndarray, shape (M,) or (M, k)

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]])).expect_adjoint([1.0, 0.0])
        array([1.        , 0.33333333])
        """
        f = self._check_function(f, self.n_inputs, "f")
        return _divide_rows(np.asarray(self._P.T @ f), self._p_a)

    def dual_kernel(self) -> np.ndarray:
        """Gram matrix of the dual kernel k_X+(x, x') = sum_a P(a|x) P(a|x') / P(a), (N, N).

        Its integral operator in L2(P_X) is T T*. Dense; refused above
        ``MAX_DENSE_KERNEL`` inputs (use :func:`contexture_lab.contexture` instead).

        Returns
        -------
        ndarray, shape (N, N)
            Symmetric positive semi-definite.

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]])).dual_kernel().round(4)
        array([[1.3333, 0.6667],
               [0.6667, 1.3333]])
        """
        return self._kernel(self._P, self._p_x, self._p_a, "inputs")

    def positive_pair_kernel(self) -> np.ndarray:
        """Gram matrix of k_A+(a, a') = sum_x P(x|a) P(x|a') / P(x); its operator is T* T.

        Returns
        -------
        ndarray, shape (M, M)
            Symmetric positive semi-definite; zero rows for context values without mass.
        """
        return self._kernel(self._P.T, self._p_a, self._p_x, "context values")

    @staticmethod
    def _kernel(P, p_rows, p_cols, what):
        if P.shape[0] > MAX_DENSE_KERNEL:
            raise ValueError(f"the dense kernel would be {P.shape[0]} x {P.shape[0]}; at most "
                             f"{MAX_DENSE_KERNEL} {what} are allowed for a dense Gram matrix")
        C = _divide_rows(P, p_rows)
        K = C @ _divide_rows(C.T, p_cols)
        return K.toarray() if sp.issparse(K) else np.asarray(K)

    # ------------------------------------------------------------------ sampling
    def sample(self, x_index, rng) -> np.ndarray:
        """Draw one a ~ P+(. | x) for each index in ``x_index``.

        Parameters
        ----------
        x_index : array-like of int, shape (n,)
            Indices of the inputs, each in [0, N - 1].
        rng : numpy.random.Generator or int
            The generator of the draws, or its seed.

        Returns
        -------
        ndarray of int, shape (n,)
            Indices of the drawn context values.

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]])).sample([0, 0, 1, 1], 0)
        array([1, 0, 1, 1])
        """
        rng = check_rng(rng, "rng")
        idx = np.asarray(x_index)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            if idx.size == 0 and idx.ndim == 1:
                return np.zeros(0, dtype=np.int64)
            raise TypeError(f"x_index must be a 1-D array of integers, got dtype {idx.dtype}"
                            f" and shape {idx.shape}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_inputs):
            raise ValueError(f"x_index must lie in [0, {self.n_inputs - 1}], got values in "
                             f"[{idx.min()}, {idx.max()}]")
        u = rng.random(idx.size)
        if self.is_sparse:
            P = self._P
            cum = np.cumsum(P.data)
            start, stop = P.indptr[idx], P.indptr[idx + 1]
            base = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
            target = base + u * self._p_x[idx]
            pos = np.searchsorted(cum, target, side="right")
            pos = np.clip(pos, start, stop - 1)
            return P.indices[pos].astype(np.int64)
        cum = np.cumsum(self._P[idx], axis=1)
        target = u * cum[:, -1]
        pos = (cum <= target[:, None]).sum(axis=1)
        # never pick a zero-mass column that sits past the row's last positive entry
        last = self._P.shape[1] - 1 - np.argmax(self._P[idx][:, ::-1] > 0, axis=1)
        return np.minimum(pos, last).astype(np.int64)

    # ------------------------------------------------------------------ decomposition
    def contexture(self, d: int, **kwargs):
        """Top-d singular values and functions; see :func:`contexture_lab.contexture`.

        Parameters
        ----------
        d : int
            Number of singular functions.
        **kwargs : dict
            Options of :func:`contexture_lab.contexture` (``method``, ``tol``, ...).

        Returns
        -------
        Contexture

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> ctx = cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]]))
        >>> ctx.contexture(1).singular_values.round(4)
        array([0.5774])
        """
        from .spectrum import contexture

        return contexture(self, d, **kwargs)

    def with_features(self, x_features=None, a_features=None) -> Context:
        """A copy of this context with other features attached (P is shared).

        Parameters
        ----------
        x_features : array-like, shape (N, p), default=None
            New input features; ``None`` keeps the current ones.
        a_features : array-like, shape (M, q), default=None
            New context-value features; ``None`` keeps the current ones.

        Returns
        -------
        Context
            The same distribution; this context is left unchanged.

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> ctx = cl.Context(np.array([[0.25, 0.25], [0.0, 0.5]]))
        >>> ctx.with_features(x_features=[[0.0], [1.0]]).x_features
        array([[0.],
               [1.]])
        >>> ctx.x_features is None
        True
        """
        out = Context.__new__(Context)
        out.__dict__.update(self.__dict__)
        if x_features is not None:
            out.x_features = self._check_features(x_features, self.n_inputs, "x_features",
                                                  "rows of P")
        if a_features is not None:
            out.a_features = self._check_features(a_features, self.n_contexts, "a_features",
                                                  "columns of P")
        return out

    def __repr__(self) -> str:
        kind = f"sparse, nnz={self._P.nnz}" if self.is_sparse else "dense"
        label = f"{self.name!r}, " if self.name else ""
        return f"Context({label}N={self.n_inputs}, M={self.n_contexts}, {kind})"


def check_context(ctx, name: str = "ctx") -> Context:
    """Raise ``TypeError`` unless ``ctx`` is a :class:`Context`.

    Parameters
    ----------
    ctx : object
        The value to check.
    name : str, default="ctx"
        The argument's name in the message.

    Returns
    -------
    Context
        ``ctx`` itself.
    """
    if not isinstance(ctx, Context):
        raise TypeError(f"{name} must be a contexture_lab.Context, got {type(ctx).__name__}")
    return ctx


__all__ = ["Context", "check_context", "MAX_DENSE_KERNEL"]
