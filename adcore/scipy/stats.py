"""scipy.stats distributions as formulas on adcore.scipy.special, so they are
differentiable in every argument their formula is smooth in.

``norm``, ``t``, ``gamma``, ``beta``, ``chi2``: logpdf and pdf in x and every
parameter (loc, scale, shapes); cdf/logcdf in x, loc and scale (a shape
parameter of a cdf raises a named error when differentiated, as the special
function does).  ``poisson``: logpmf/pmf/cdf in mu (k is discrete and must be
a plain value).  ``dirichlet``: logpdf/pdf in x and alpha, components along the
first axis as scipy.  ``multivariate_normal``: logpdf/pdf in x, mean and cov
(through a Cholesky factor), entropy in cov; with ``allow_singular`` in x and mean
(a pseudo-inverse from the constant covariance's eigenpairs).
"""

from types import SimpleNamespace

import numpy as np

import adcore.numpy as anp
from adcore.core import Traced, getval
from adcore.scipy import special as sp
from adcore.scipy.linalg import solve_triangular

LOG_2PI = float(np.log(2 * np.pi))


def _standardise(x, loc, scale):
    return (x - loc) / scale


def _plain(value, where):
    if isinstance(value, Traced):
        raise TypeError(
            f"adcore.scipy.stats.{where} is discrete in it and has no derivative there; "
            "pass it as a plain value"
        )
    return value


# ---- norm ----------------------------------------------------------------------------------------
def _norm_logpdf(x, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    return -0.5 * y * y - anp.log(scale) - 0.5 * LOG_2PI


def _norm_cdf(x, loc=0.0, scale=1.0):
    return sp.ndtr(_standardise(x, loc, scale))


def _norm_logcdf(x, loc=0.0, scale=1.0):
    return sp.log_ndtr(_standardise(x, loc, scale))


def _norm_sf(x, loc=0.0, scale=1.0):
    return sp.ndtr(-_standardise(x, loc, scale))


def _norm_logsf(x, loc=0.0, scale=1.0):
    return sp.log_ndtr(-_standardise(x, loc, scale))


def _norm_ppf(q, loc=0.0, scale=1.0):
    return loc + scale * sp.ndtri(q)


def _norm_isf(q, loc=0.0, scale=1.0):
    return loc - scale * sp.ndtri(q)


norm = SimpleNamespace(
    logpdf=_norm_logpdf,
    pdf=lambda x, loc=0.0, scale=1.0: anp.exp(_norm_logpdf(x, loc, scale)),
    cdf=_norm_cdf,
    logcdf=_norm_logcdf,
    sf=_norm_sf,
    logsf=_norm_logsf,
    ppf=_norm_ppf,
    isf=_norm_isf,
)


# ---- Student's t -------------------------------------------------------------------------------
def _t_logpdf(x, df, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    return (
        sp.gammaln(0.5 * (df + 1.0))
        - sp.gammaln(0.5 * df)
        - 0.5 * anp.log(df * np.pi)
        - anp.log(scale)
        - 0.5 * (df + 1.0) * anp.log1p(y * y / df)
    )


def _t_cdf(x, df, loc=0.0, scale=1.0):
    return sp.stdtr(df, _standardise(x, loc, scale))


t = SimpleNamespace(
    logpdf=_t_logpdf,
    pdf=lambda x, df, loc=0.0, scale=1.0: anp.exp(_t_logpdf(x, df, loc, scale)),
    cdf=_t_cdf,
    logcdf=lambda x, df, loc=0.0, scale=1.0: anp.log(_t_cdf(x, df, loc, scale)),
)


# ---- gamma, chi2, beta ----------------------------------------------------------------------
def _gamma_logpdf(x, a, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    return sp.xlogy(a - 1.0, y) - y - sp.gammaln(a) - anp.log(scale)


def _gamma_cdf(x, a, loc=0.0, scale=1.0):
    return sp.gammainc(a, _standardise(x, loc, scale))


gamma = SimpleNamespace(
    logpdf=_gamma_logpdf,
    pdf=lambda x, a, loc=0.0, scale=1.0: anp.exp(_gamma_logpdf(x, a, loc, scale)),
    cdf=_gamma_cdf,
)


def _chi2_logpdf(x, df, loc=0.0, scale=1.0):
    return _gamma_logpdf(x, 0.5 * df, loc, 2.0 * scale)


chi2 = SimpleNamespace(
    logpdf=_chi2_logpdf,
    pdf=lambda x, df, loc=0.0, scale=1.0: anp.exp(_chi2_logpdf(x, df, loc, scale)),
    cdf=lambda x, df, loc=0.0, scale=1.0: _gamma_cdf(x, 0.5 * df, loc, 2.0 * scale),
)


def _beta_logpdf(x, a, b, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    return sp.xlogy(a - 1.0, y) + sp.xlog1py(b - 1.0, -y) - sp.betaln(a, b) - anp.log(scale)


beta = SimpleNamespace(
    logpdf=_beta_logpdf,
    pdf=lambda x, a, b, loc=0.0, scale=1.0: anp.exp(_beta_logpdf(x, a, b, loc, scale)),
    cdf=lambda x, a, b, loc=0.0, scale=1.0: sp.betainc(a, b, _standardise(x, loc, scale)),
)


# ---- poisson -------------------------------------------------------------------------------
def _poisson_logpmf(k, mu, loc=0):
    k = np.asarray(_plain(k, "poisson: k")) - loc
    whole = (k == np.floor(k)) & (k >= 0)
    kk = np.where(whole, k, 0.0)
    out = sp.xlogy(kk, mu) - mu - sp.gammaln(kk + 1.0)
    return anp.where(whole, out, -np.inf)


def _poisson_cdf(k, mu, loc=0):
    k = np.floor(np.asarray(_plain(k, "poisson: k")) - loc)
    inside = k >= 0
    return anp.where(inside, sp.gammaincc(np.where(inside, k, 0.0) + 1.0, mu), 0.0)


poisson = SimpleNamespace(
    logpmf=_poisson_logpmf,
    pmf=lambda k, mu, loc=0: anp.exp(_poisson_logpmf(k, mu, loc)),
    cdf=_poisson_cdf,
)


# ---- dirichlet -----------------------------------------------------------------------------
def _dirichlet_logpdf(x, alpha):
    if np.ndim(alpha) != 1:
        raise ValueError("adcore.scipy.stats.dirichlet: alpha must be one-dimensional")
    a = alpha if np.ndim(x) == 1 else anp.reshape(alpha, (-1,) + (1,) * (np.ndim(x) - 1))
    norm_const = sp.gammaln(anp.sum(alpha)) - anp.sum(sp.gammaln(alpha))
    return norm_const + anp.sum(sp.xlogy(a - 1.0, x), axis=0)


dirichlet = SimpleNamespace(
    logpdf=_dirichlet_logpdf,
    pdf=lambda x, alpha: anp.exp(_dirichlet_logpdf(x, alpha)),
)


# ---- multivariate normal -------------------------------------------------------------------
def _cov_matrix(cov, d):
    nd = np.ndim(cov)
    if nd == 0:
        return cov * np.eye(d)
    if nd == 1:
        return anp.diag(cov)
    return cov


def _dim(x, mean, cov):
    for v in (mean, cov):
        if v is not None and np.ndim(v) >= 1:
            return np.shape(v)[-1]
    return np.shape(x)[-1] if np.ndim(x) else 1


def _mvn_logpdf(x, mean=None, cov=1.0, allow_singular=False):
    d = _dim(x, mean, cov)
    cov = _cov_matrix(cov, d)
    diff = x if mean is None else x - mean
    cols = anp.reshape(diff, (-1, d))
    if allow_singular:
        maha, logdet, rank, outside = _pseudo_terms(cols, cov)
    else:
        chol = anp.linalg.cholesky(cov)
        z = solve_triangular(chol, anp.transpose(cols), lower=True)
        maha = anp.sum(z * z, axis=0)
        logdet, rank, outside = 2.0 * anp.sum(anp.log(anp.diagonal(chol))), d, None
    out = -0.5 * (rank * LOG_2PI + logdet + maha)
    if outside is not None:  # off the support of a degenerate normal: density zero
        out = anp.where(outside, -np.inf, out)
    return anp.reshape(out, np.shape(x)[:-1] if np.ndim(x) > 1 else ())


def _pseudo_terms(cols, cov):
    """Mahalanobis terms, log pseudo-determinant and rank from the non-null eigenpairs of a
    constant covariance (scipy's tolerance); which points lie off its support."""
    if isinstance(cov, Traced):
        raise NotImplementedError(
            "adcore.scipy.stats.multivariate_normal: with allow_singular=True the derivative "
            "in cov is not implemented (x and mean are differentiated); pass cov as a plain array"
        )
    s, u = np.linalg.eigh(np.asarray(cov, dtype=np.float64))
    eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(s))
    keep = s > eps
    whiten = u[:, keep] / np.sqrt(s[keep])
    maha = anp.sum(anp.matmul(cols, whiten) ** 2, axis=-1)
    null = np.asarray(getval(cols)) @ u[:, ~keep]
    outside = np.any(np.abs(null) > eps, axis=-1)
    return maha, float(np.sum(np.log(s[keep]))), int(np.sum(keep)), outside


def _mvn_entropy(mean=None, cov=1.0):
    d = _dim(np.zeros(1), mean, cov)
    chol = anp.linalg.cholesky(_cov_matrix(cov, d))
    return 0.5 * d * (1.0 + LOG_2PI) + anp.sum(anp.log(anp.diagonal(chol)))


multivariate_normal = SimpleNamespace(
    logpdf=_mvn_logpdf,
    pdf=lambda x, mean=None, cov=1.0, allow_singular=False: anp.exp(
        _mvn_logpdf(x, mean, cov, allow_singular)
    ),
    entropy=_mvn_entropy,
)

__all__ = ["beta", "chi2", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]
