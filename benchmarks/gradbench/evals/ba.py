"""ba: bundle adjustment's reprojection and weight errors, and their sparse Jacobian.

The input is one camera, point, weight and feature, duplicated to n cameras, m points
and p observations (observation i sees camera i mod n and point i mod m); every one of
the p residual blocks is computed, nothing exploits the duplication.

Jacobian: rows are the 2p reprojection errors (two per observation) then the p weight
errors; columns are the 11 n camera parameters, 3 m point coordinates, p weights.  Each
reprojection row depends on one camera, one point and one weight, so with
`adcore.sparse_jacobian` (when adcore has it) the whole sparse Jacobian comes from the
full function; otherwise `jacobian(mode="auto")` of the function of one 15-vector added
to *every* observation's own (camera, point, weight) gives all p blocks in one pass of
15 tangents (observations are independent, so the seed compresses exactly: a graph
colouring with 15 colours).  The answer is GradBench's CSR (`rows` = row pointers), of
which the eval receives the first 30 entries and the last.
"""

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function

N_CAM = 11  # rotation (3), centre (3), focal length, principal point (2), distortion (2)
BLOCK = N_CAM + 3 + 1  # one reprojection row's nonzeros: camera, point, weight
SHOWN = 2 * BLOCK  # GradBench transmits the first 30 entries (and the last)


def rotate(rotation, points):
    """Rodrigues' rotation of each row of `points` by each row's axis-angle vector."""
    squared = anp.sum(rotation * rotation, axis=1)
    turning = np.asarray(adcore.getval(squared)) != 0
    theta = anp.sqrt(anp.where(turning, squared, 1.0))  # safe where it is not used
    axis = rotation / theta[:, None]
    cos, sin = anp.cos(theta)[:, None], anp.sin(theta)[:, None]
    along = anp.sum(axis * points, axis=1)[:, None] * (1.0 - cos)
    rotated = points * cos + anp.cross(axis, points) * sin + axis * along
    if turning.all():
        return rotated
    first_order = points + anp.cross(rotation, points)  # the reference's theta = 0 branch
    return anp.where(turning[:, None], rotated, first_order)


def reprojection_errors(cams, points, weights, features):
    """(p, 2) weighted reprojection errors; row i of each argument is observation i's."""
    in_camera = rotate(cams[:, 0:3], points - cams[:, 3:6])
    projected = in_camera[:, 0:2] / in_camera[:, 2:3]
    r2 = anp.sum(projected * projected, axis=1)
    distortion = 1.0 + cams[:, 9] * r2 + cams[:, 10] * r2 * r2
    pixel = projected * (distortion * cams[:, 6])[:, None] + cams[:, 7:9]
    return weights[:, None] * (pixel - features)


def weight_errors(weights):
    return 1.0 - weights * weights


class Problem:
    """The duplicated BA instance: per-observation views and the CSR column layout."""

    def __init__(self, raw):
        self.n, self.m, self.p = int(raw["n"]), int(raw["m"]), int(raw["p"])
        obs = np.arange(self.p)
        self.cam_of, self.point_of = obs % self.n, obs % self.m
        self.cams = np.tile(np.asarray(raw["cam"], dtype=np.float64), (self.n, 1))
        self.points = np.tile(np.asarray(raw["x"], dtype=np.float64), (self.m, 1))
        self.weights = np.full(self.p, float(raw["w"]))
        self.features = np.tile(np.asarray(raw["feat"], dtype=np.float64), (self.p, 1))

    def objective(self):
        errors = reprojection_errors(
            self.cams[self.cam_of], self.points[self.point_of], self.weights, self.features
        )
        return errors, weight_errors(self.weights)

    # -- the sparse Jacobian --------------------------------------------------------
    def flat_parameters(self):
        return np.concatenate([self.cams.ravel(), self.points.ravel(), self.weights])

    def residuals(self, flat):
        """All 3p residuals as a function of all 11n + 3m + p parameters."""
        n_cam, n_pt = N_CAM * self.n, 3 * self.m
        cams = anp.reshape(flat[:n_cam], (self.n, N_CAM))
        points = anp.reshape(flat[n_cam : n_cam + n_pt], (self.m, 3))
        weights = flat[n_cam + n_pt :]
        errors = reprojection_errors(
            cams[self.cam_of], points[self.point_of], weights, self.features
        )
        return anp.concatenate([anp.ravel(errors), weight_errors(weights)])

    def block_columns(self):
        """(p, 15) column of each nonzero in observation i's two rows."""
        cam = N_CAM * self.cam_of[:, None] + np.arange(N_CAM)
        point = N_CAM * self.n + 3 * self.point_of[:, None] + np.arange(3)
        weight = (N_CAM * self.n + 3 * self.m + np.arange(self.p))[:, None]
        return np.concatenate([cam, point, weight], axis=1)

    def csr_layout(self):
        """GradBench's CSR structure: (indptr, column of each stored entry).

        Observation i's two rows hold its camera's 11 columns, its point's 3 and its
        weight's 1, in that (ascending) order; weight error row i holds weight i."""
        columns = self.block_columns()
        indices = np.concatenate([np.repeat(columns, 2, axis=0).ravel(), columns[:, -1]])
        indptr = np.concatenate(
            [np.arange(2 * self.p + 1) * BLOCK, 2 * self.p * BLOCK + np.arange(1, self.p + 1)]
        )
        return indptr, indices

    def jacobian_by_blocks(self):
        """CSR (indptr, indices, data) from one compressed forward Jacobian of 15 columns."""
        local = np.concatenate(
            [self.cams[self.cam_of], self.points[self.point_of], self.weights[:, None]], axis=1
        )

        def shifted(delta):  # every observation's (camera, point, weight) + delta
            moved = local + delta
            return reprojection_errors(
                moved[:, :N_CAM], moved[:, N_CAM : N_CAM + 3], moved[:, -1], self.features
            )

        blocks = adcore.jacobian(shifted, mode="auto")(np.zeros(BLOCK))  # (p, 2, 15)
        w_blocks = adcore.jacobian(lambda d: weight_errors(self.weights + d), mode="auto")(
            np.zeros(1)
        )  # (p, 1)
        indptr, indices = self.csr_layout()
        data = np.concatenate([np.asarray(blocks).ravel(), np.asarray(w_blocks).ravel()])
        return indptr, indices, data

    def jacobian_by_sparse_jacobian(self, sparse_jacobian):
        """The same CSR, read out of adcore.sparse_jacobian's matrix of the full function
        (at the layout's positions, so entries it did not store read as the zeros they are)."""
        matrix = sparse_jacobian(self.residuals, mode="auto")(self.flat_parameters())
        indptr, indices = self.csr_layout()
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        return indptr, indices, np.asarray(matrix[rows, indices], dtype=np.float64).ravel()

    def jacobian(self):
        sparse_jacobian = getattr(adcore, "sparse_jacobian", None)
        if sparse_jacobian is None:
            return self.jacobian_by_blocks()
        return self.jacobian_by_sparse_jacobian(sparse_jacobian)


def _objective_json(result):
    errors, w_errors = (np.asarray(r) for r in result)
    return {
        "reproj_error": {"elements": errors[0].tolist(), "repeated": len(errors)},
        "w_err": {"element": float(w_errors[0]), "repeated": len(w_errors)},
    }


def _jacobian_json(csr):
    indptr, indices, data = (np.asarray(a) for a in csr)

    def shown(a):
        return [*a[:SHOWN].tolist(), a[-1].item()]

    return {"rows": shown(indptr), "cols": shown(indices), "vals": shown(data)}


FUNCTIONS = {
    "objective": Function(
        run=Problem.objective, prepare=Problem, to_json=_objective_json, mode="primal"
    ),
    "jacobian": Function(
        run=Problem.jacobian,
        prepare=Problem,
        to_json=_jacobian_json,
        mode="sparse Jacobian: adcore.sparse_jacobian, else jacobian(auto) of 15 "
        "compressed columns (forward)",
    ),
}
