"""ht: ADBench's hand tracking: skinned-mesh residuals and their Jacobian in the pose.

theta (26) poses a 22-bone hand: global rotation (angle-axis), translation, and per
finger three Euler angles on one axis plus a spread on the first; each bone's
transform is its base relative transform posed by R = Rz Ry Rx, chained to the root;
vertices are blended by the skinning weights, then rotated and moved globally.  The
residuals are data points minus their corresponding vertices ("simple") or minus points
on their corresponding triangles at barycentric (u0, u1, 1 - u0 - u1) ("complicated").

Jacobian (3 npts rows): `jacobian(mode="auto")` in the 26 pose parameters, which picks
forward mode (26 tangents, thousands of outputs).  In the complicated variant each
residual also depends on its own point's (u0, u1): those two columns are compressed
(one 2-vector added to every point's us, exact since no residual sees another point's
u), placed first as in the reference, 28 columns in all.
"""

from functools import lru_cache

import numpy as np

import adcore
import adcore.numpy as anp
from adcore import getval

from ..protocol import Function

N_THETA = 26
FINGERS = 5


@lru_cache(maxsize=None)
def pose_index(n_bones: int) -> np.ndarray:
    """(3, n_bones + 3) positions into [0, 1, theta...]: where each pose parameter lives."""
    index = np.zeros((3, n_bones + 3), dtype=np.intp)  # 0 -> 0.0
    index[:, 0] = 2 + np.arange(3)  # global rotation theta[0:3]
    index[:, 1] = 1  # global scale 1.0
    index[:, 2] = 2 + np.arange(3, 6)  # translation theta[3:6]
    t, column = 6, 5
    for _ in range(FINGERS):
        for joint in range(3):
            index[0, column] = 2 + t
            t += 1
            if joint == 0:
                index[1, column] = 2 + t
                t += 1
            column += 1
        column += 1
    return index


def _matrices(entries):
    """Stack 9 arrays of shape (b,) into (b, 3, 3), row by row."""
    rows = [anp.stack(entries[3 * i : 3 * i + 3], axis=1) for i in range(3)]
    return anp.stack(rows, axis=1)


def euler_rotations(angles):
    """(b, 3) angles stored (x, z, y) -> (b, 3, 3) Rz @ Ry @ Rx."""
    tx, tz, ty = angles[:, 0], angles[:, 1], angles[:, 2]
    one, zero = np.ones(angles.shape[0]), np.zeros(angles.shape[0])
    cx, sx, cy, sy, cz, sz = (anp.cos(tx), anp.sin(tx), anp.cos(ty), anp.sin(ty),
                              anp.cos(tz), anp.sin(tz))  # fmt: skip
    rx = _matrices([one, zero, zero, zero, cx, -sx, zero, sx, cx])
    ry = _matrices([cy, zero, sy, zero, one, zero, -sy, zero, cy])
    rz = _matrices([cz, -sz, zero, sz, cz, zero, zero, zero, one])
    return rz @ ry @ rx


def angle_axis_rotation(angle_axis):
    norm = anp.sqrt(anp.sum(angle_axis * angle_axis))
    if getval(norm) < 1e-4:  # the reference's cut-off: identity, no derivative
        return np.eye(3)
    x, y, z = angle_axis[0] / norm, angle_axis[1] / norm, angle_axis[2] / norm
    s, c = anp.sin(norm), anp.cos(norm)
    return anp.stack([
        anp.stack([x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s]),
        anp.stack([x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s]),
        anp.stack([x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c]),
    ])  # fmt: skip


class Hand:
    """The model and data of one ht input, as arrays."""

    def __init__(self, raw):
        data, model = raw["data"], raw["data"]["model"]
        self.theta = np.asarray(raw["theta"], dtype=np.float64)
        self.us = np.asarray(raw.get("us") or [], dtype=np.float64).reshape(-1, 2)
        self.complicated = self.us.shape[0] > 0
        self.parents = [int(p) for p in model["parents"]]
        self.base_relatives = np.asarray(model["base_relatives"], dtype=np.float64)
        self.inverse_base_absolutes = np.asarray(model["inverse_base_absolutes"], dtype=np.float64)
        self.base_positions = np.asarray(model["base_positions"], dtype=np.float64)  # V x 4
        self.weights = np.asarray(model["weights"], dtype=np.float64)  # V x bones
        self.triangles = np.asarray(model["triangles"], dtype=np.intp)
        self.mirrored = bool(model["is_mirrored"])
        self.correspondences = np.asarray(data["correspondences"], dtype=np.intp)
        self.points = np.asarray(data["points"], dtype=np.float64)  # npts x 3
        n_bones = len(self.parents)
        self.pose_index = pose_index(n_bones)
        tail = np.zeros((n_bones, 1, 4))
        tail[:, 0, 3] = 1.0
        self.homogeneous_row = tail
        self.column_of_zeros = np.zeros((n_bones, 3, 1))

    def vertices(self, theta):
        """(V, 3) posed vertex positions."""
        pose = anp.concatenate([np.array([0.0, 1.0]), theta])[self.pose_index]  # 3 x (B+3)
        rotations = euler_rotations(anp.transpose(pose[:, 3:]))  # B x 3 x 3
        posed = anp.concatenate(
            [anp.concatenate([rotations, self.column_of_zeros], axis=2), self.homogeneous_row],
            axis=1,
        )
        relatives = self.base_relatives @ posed
        absolutes = []
        for bone, parent in enumerate(self.parents):
            own = relatives[bone]
            absolutes.append(own if parent == -1 else absolutes[parent] @ own)
        transforms = anp.stack(absolutes) @ self.inverse_base_absolutes  # B x 4 x 4
        n_verts = self.weights.shape[0]
        blended = anp.reshape(self.weights @ anp.reshape(transforms[:, :3, :], (-1, 12)),
                              (n_verts, 3, 4))  # fmt: skip
        positions = anp.sum(blended * self.base_positions[:, None, :], axis=2)
        if self.mirrored:
            positions = positions * np.array([-1.0, 1.0, 1.0])
        rotation = angle_axis_rotation(pose[:, 0]) * pose[:, 1][None, :]
        return positions @ anp.transpose(rotation) + pose[:, 2]

    def residuals(self, theta, us=None):
        """(3 npts,) data points minus their model points, flattened point by point."""
        positions = self.vertices(theta)
        if not self.complicated:
            model_points = positions[self.correspondences]
        else:
            corners = self.triangles[self.correspondences]  # npts x 3 vertex indices
            u0, u1 = us[:, 0:1], us[:, 1:2]
            model_points = (u0 * positions[corners[:, 0]] + u1 * positions[corners[:, 1]]
                            + (1.0 - u0 - u1) * positions[corners[:, 2]])  # fmt: skip
        return anp.ravel(self.points - model_points)

    def objective(self):
        return self.residuals(self.theta, self.us)

    def jacobian(self):
        if not self.complicated:
            return adcore.jacobian(self.residuals, mode="auto")(self.theta)

        def of_shift_and_pose(z):  # z = (du0, du1, theta): du shifts every point's us
            return self.residuals(z[2:], self.us + z[:2])

        z = np.concatenate([np.zeros(2), self.theta])
        return adcore.jacobian(of_shift_and_pose, mode="auto")(z)


FUNCTIONS = {
    "objective": Function(
        run=Hand.objective, prepare=Hand, to_json=lambda r: np.asarray(r).tolist(), mode="primal"
    ),
    "jacobian": Function(
        run=Hand.jacobian,
        prepare=Hand,
        to_json=lambda j: np.asarray(j).tolist(),
        mode="jacobian(auto) -> forward, 26 (+2 compressed us) columns",
    ),
}
