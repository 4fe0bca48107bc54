"""lstm: ADBench's LSTM next-character loss and its gradient, by one reverse sweep.

main_params is (2 layers, 4 b): per layer a row of weights and a row of biases, each
split into forget / input / output / change gates; extra_params is (3, b): input
weight, output weight, output bias; state is (2 layers, b): hidden and cell rows.  The
loss is -mean over steps and bits of ygold * (ypred - log(sum exp(ypred) + 2)), the
reference's "+ 2" included.
"""

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function


def _gates(params, b):
    return params[:b], params[b : 2 * b], params[2 * b : 3 * b], params[3 * b :]


def loss(main_params, extra_params, state, sequence):
    layers = main_params.shape[0] // 2
    b = sequence.shape[1]
    weights = [_gates(main_params[2 * i], b) for i in range(layers)]
    biases = [_gates(main_params[2 * i + 1], b) for i in range(layers)]
    hidden = [state[2 * i] for i in range(layers)]
    cell = [state[2 * i + 1] for i in range(layers)]
    in_weight, out_weight, out_bias = extra_params[0], extra_params[1], extra_params[2]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        layer_input = sequence[t] * in_weight
        for i in range(layers):
            (wf, wi, wo, wc), (bf, bi, bo, bc) = weights[i], biases[i]
            forget = anp.sigmoid(layer_input * wf + bf)
            ingate = anp.sigmoid(hidden[i] * wi + bi)
            outgate = anp.sigmoid(layer_input * wo + bo)
            change = anp.tanh(hidden[i] * wc + bc)
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * anp.tanh(cell[i])
            layer_input = hidden[i]
        prediction = layer_input * out_weight + out_bias
        normalised = prediction - anp.log(anp.sum(anp.exp(prediction)) + 2.0)
        total = total + anp.sum(sequence[t + 1] * normalised)
    return -total / ((sequence.shape[0] - 1) * b)


def gradient(main_params, extra_params, state, sequence):
    g_main, g_extra = adcore.grad(loss, argnums=(0, 1))(main_params, extra_params, state, sequence)
    return np.concatenate([np.ravel(g_main), np.ravel(g_extra)])


def _prepare(raw):
    return tuple(
        np.asarray(raw[name], dtype=np.float64)
        for name in ("main_params", "extra_params", "state", "sequence")
    )


FUNCTIONS = {
    "objective": Function(run=lambda a: loss(*a), prepare=_prepare, to_json=float, mode="primal"),
    "jacobian": Function(
        run=lambda a: gradient(*a), prepare=_prepare, to_json=np.ndarray.tolist, mode="reverse"
    ),
}
