"""Keras 3 on TensorFlow as its users write it: keras.layers built from the network's layers,
model.compile and model.fit, channels-last images (Keras's default layout).

Layouts (nets/network.h's neutral ones to Keras's): a dense kernel is [in, units], a conv kernel
[k, k, in, out] (HWIO), and the first dense layer after a flatten of an NHWC tensor reads its inputs
in H·W·C order, so its rows are permuted from the neutral C·H·W order. MultiHeadAttention's
projections are EinsumDense kernels: q, k and v [width, heads, head width] with biases [heads, head
width], the output [heads, head width, width]; the neutral ones are [out, in] matrices.

Padding (token id 0) is masked explicitly: ids != 0 from the model's input, handed to
MultiHeadAttention as its attention_mask and to GlobalAveragePooling1D as its mask. A choice:
Embedding(mask_zero=True)'s implicit propagation would also mask the padded queries, whose outputs
the masked mean drops anyway; the explicit mask is the C++ tiers' (keys only), visibly.
"""
import os
import time

import numpy as np

from .protocol import Unsupported

_threads = 1


def set_threads(threads):
    global _threads
    _threads = threads
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)  # as the C++ tier's session


def threads_used():
    import tensorflow as tf
    return {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}


def describe():
    import keras
    import tensorflow as tf
    build = tf.sysconfig.get_build_info()
    return {"framework": "tensorflow", "version": tf.__version__, "frontend": f"keras {keras.__version__}",
            "keras": keras.__version__, "keras_backend": keras.backend.backend(),
            "build": {"cuda": bool(build.get("is_cuda_build", False)),
                      "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") != "0"},
            "library": tf.__file__}


def same_padding_matches(layer):
    """Whether Keras's padding="same" puts the neutral layer's explicit padding where it is."""
    k, s, p = layer["kernel"], layer["stride"], layer["padding"]
    for axis in (1, 2):  # height and width: TF pads each on its own
        size, out = layer["in_shape"][axis], layer["out_shape"][axis]
        total = max((out - 1) * s + k - size, 0)
        if not (out == -(-size // s) and total // 2 == p and total - total // 2 == p):
            return False
    return True


# loc: begin layer positional_embedding
def learned_positions(keras, positions, time, width):
    """Row t of a [positions, width] table added at position t (Keras has no such layer in its core;
    keras_hub's PositionEmbedding returns the table for the user to add)."""
    class LearnedPositions(keras.layers.Layer):
        def build(self, input_shape):
            self.table = self.add_weight(shape=(positions, width), initializer="zeros", name="table")

        def call(self, x):
            return x + self.table[:time]

    return LearnedPositions()
# loc: end


class Builder:
    """Keras layers for the neutral ones, and how each layer's neutral parameters become its weights."""

    def __init__(self, needs_mask):
        import keras
        self.keras = keras
        self.assignments = []  # (keras layer, [neutral param indices], kind, extra)
        self.non_negative = False  # the previous layer's outputs are ≥ 0 (after a ReLU)
        self.needs_mask = needs_mask
        self.real_tokens = None  # [batch, time] bool, set at the embedding where a layer reads it

    def apply(self, layer, x):
        layers, kind = self.keras.layers, layer["type"]
        was_non_negative = self.non_negative
        self.non_negative = kind == "relu" or (kind == "max_pool" and was_non_negative)
        # loc: begin layer dense
        if kind == "dense":
            k = layers.Dense(layer["units"])
            self.assignments.append((k, layer["params"], "dense", self.pending_flatten))
            self.pending_flatten = None
            return k(x)
        # loc: end
        # loc: begin layer conv2d
        if kind == "conv2d":
            if layer["padding"] and same_padding_matches(layer):
                k = layers.Conv2D(layer["units"], layer["kernel"], strides=layer["stride"], padding="same")
            else:
                if layer["padding"]:
                    x = layers.ZeroPadding2D(layer["padding"])(x)
                k = layers.Conv2D(layer["units"], layer["kernel"], strides=layer["stride"])
            self.assignments.append((k, layer["params"], "conv2d", None))
            return k(x)
        # loc: end
        # loc: begin layer pool
        if kind in ("max_pool", "avg_pool"):
            pool = layers.MaxPooling2D if kind == "max_pool" else layers.AveragePooling2D
            if not layer["padding"]:
                return pool(layer["kernel"], strides=layer["stride"])(x)
            if same_padding_matches(layer):  # TF's "same" pooling ignores the padding, as the neutral one
                return pool(layer["kernel"], strides=layer["stride"], padding="same")(x)
            if kind == "max_pool" and was_non_negative:  # zeros never win a max over values ≥ 0
                x = layers.ZeroPadding2D(layer["padding"])(x)
                self.non_negative = True
                return pool(layer["kernel"], strides=layer["stride"])(x)
            raise Unsupported(f"Keras cannot pad {layer['name']} ({kind}, padding {layer['padding']}) as the network does")
        # loc: end
        # loc: begin layer activation
        if kind in ("relu", "sigmoid", "tanh"):
            return layers.Activation(kind)(x)
        if kind == "gelu":
            approximate = layer["approximate"] == "tanh"
            return layers.Activation(lambda t: self.keras.activations.gelu(t, approximate=approximate))(x)
        # loc: end
        # loc: begin layer flatten
        if kind == "flatten":
            self.pending_flatten = layer["in_shape"] if len(layer["in_shape"]) == 3 else None
            return layers.Flatten()(x)
        # loc: end
        # loc: begin layer batch_norm
        if kind == "batch_norm":
            k = layers.BatchNormalization(momentum=layer["momentum"], epsilon=layer["epsilon"])
            # Over a flattened image its features come in H·W·C order: γ and β are reordered too.
            flattened = self.pending_flatten if len(layer["in_shape"]) == 1 else None
            self.assignments.append((k, layer["params"], "batch_norm", flattened))
            return k(x)
        # loc: end
        # loc: begin layer embedding
        if kind == "embedding":
            k = layers.Embedding(layer["vocab"], layer["units"])
            self.assignments.append((k, layer["params"], "embedding", None))
            if self.needs_mask:
                self.real_tokens = self.keras.ops.not_equal(x, 0)
            return k(x)
        # loc: end
        # loc: begin layer positional_embedding
        if kind == "positional_embedding":
            k = learned_positions(self.keras, layer["positions"], *layer["in_shape"])
            self.assignments.append((k, layer["params"], "positional_embedding", None))
            return k(x)
        # loc: end
        # loc: begin layer layer_norm
        if kind == "layer_norm":
            k = layers.LayerNormalization(epsilon=layer["epsilon"])
            self.assignments.append((k, layer["params"], "layer_norm", None))
            return k(x)
        # loc: end
        # loc: begin layer multi_head_attention
        if kind == "multi_head_attention":
            heads = layer["heads"]
            k = layers.MultiHeadAttention(heads, key_dim=layer["in_shape"][-1] // heads)
            self.assignments.append((k, layer["params"], "multi_head_attention", heads))
            # [batch, 1, keys]: every query sees the real keys (Keras broadcasts it over queries and heads)
            return k(x, x, attention_mask=self.keras.ops.expand_dims(self.real_tokens, 1))
        # loc: end
        # loc: begin layer mean_pool
        if kind == "mean_pool":
            return layers.GlobalAveragePooling1D()(x, mask=self.real_tokens)
        # loc: end
        # loc: begin layer lstm
        if kind == "lstm":
            raise Unsupported(f"Keras's LSTM has one bias vector where the network's ({layer['name']}, PyTorch's and "
                              "cuDNN's form) has two, which train differently: not the same model")
        # loc: end
        # loc: begin layer residual
        if kind == "residual":
            entry, flatten = self.non_negative, self.pending_flatten
            body = x
            for inner in layer["body"]:
                body = self.apply(inner, body)
            self.non_negative, self.pending_flatten = entry, flatten
            shortcut = x
            for inner in layer["shortcut"]:
                shortcut = self.apply(inner, shortcut)
            self.non_negative, self.pending_flatten = False, None
            return layers.Add()([body, shortcut])
        # loc: end
        raise Unsupported(f"Keras has no builder in versus for layer type '{kind}' ({layer['name']})")

    pending_flatten = None


def chw_to_hwc(vector, shape):
    c, h, w = shape
    return vector.reshape(c, h, w).transpose(1, 2, 0).reshape(-1)


def hwc_to_chw(vector, shape):
    c, h, w = shape
    return vector.reshape(h, w, c).transpose(2, 0, 1).reshape(-1)


def attention_to_keras(values, heads):
    """wq, bq, wk, bk, wv, bv ([out, in] and [out]) and wo, bo to MultiHeadAttention's weights."""
    out = []
    for w, b in zip(values[0:6:2], values[1:6:2]):
        width = w.shape[1]
        out += [w.T.reshape(width, heads, -1), b.reshape(heads, -1)]
    wo, bo = values[6], values[7]
    return out + [wo.T.reshape(heads, -1, wo.shape[0]), bo]


def attention_from_keras(weights):
    out = []
    for kernel, bias in zip(weights[0:6:2], weights[1:6:2]):
        out += [kernel.reshape(kernel.shape[0], -1).T, bias.reshape(-1)]
    kernel, bias = weights[6], weights[7]
    return out + [kernel.reshape(-1, kernel.shape[-1]).T, bias]


def to_keras(kind, values, extra):
    """Neutral parameter arrays to the layer's Keras weights; extra: the [C, H, W] shape a dense or
    batch norm reads flattened (None if it does not), or an attention's heads."""
    if kind == "multi_head_attention":
        return attention_to_keras(values, heads=extra)
    flatten = extra
    if kind == "dense":
        w, b = values
        if flatten is not None:  # rows in C·H·W order -> H·W·C
            c, h, wd = flatten
            w = w.reshape(w.shape[0], c, h, wd).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
        return [w.T, b]
    if kind == "conv2d":
        return [values[0].transpose(2, 3, 1, 0), values[1]]
    if kind == "batch_norm":
        gamma, beta = values
        if flatten is not None:
            gamma, beta = chw_to_hwc(gamma, flatten), chw_to_hwc(beta, flatten)
        return [gamma, beta, np.zeros_like(gamma), np.ones_like(gamma)]
    return list(values)


def from_keras(kind, weights, extra):
    if kind == "multi_head_attention":
        return attention_from_keras(weights)
    flatten = extra
    if kind == "dense":
        w, b = weights[0].T, weights[1]
        if flatten is not None:
            c, h, wd = flatten
            w = w.reshape(w.shape[0], h, wd, c).transpose(0, 3, 1, 2).reshape(w.shape[0], -1)
        return [w, b]
    if kind == "conv2d":
        return [weights[0].transpose(3, 2, 0, 1), weights[1]]
    if kind == "batch_norm":
        if flatten is not None:
            return [hwc_to_chw(weights[0], flatten), hwc_to_chw(weights[1], flatten)]
        return weights[:2]
    return list(weights)


PIPELINES = ("memory", "tf.data", "generator")


def keras_feed(x, labels, batch, pipeline):
    """model.fit's data arguments for each way a Keras user feeds an epoch, the batches in the order given:
    memory: the numpy arrays themselves; tf.data: a Dataset of them, batched and prefetched with
    AUTOTUNE; generator: a Python generator of batches (what fit_generator was)."""
    if pipeline == "memory":
        return {"x": x, "y": labels, "batch_size": batch}
    if pipeline == "tf.data":
        import tensorflow as tf
        ds = tf.data.Dataset.from_tensor_slices((x, labels)).batch(batch, drop_remainder=True)
        return {"x": ds.prefetch(tf.data.AUTOTUNE)}
    if pipeline == "generator":
        def batches():
            for begin in range(0, len(x) - batch + 1, batch):
                yield x[begin:begin + batch], labels[begin:begin + batch]
        return {"x": batches(), "steps_per_epoch": len(x) // batch}
    raise Unsupported(f"Keras has no input pipeline '{pipeline}' in versus (it has {', '.join(PIPELINES)})")


class StepTimer:
    """Times each step of model.fit and reads its loss: Keras logs the running mean of the loss since
    its metrics were last reset, so they are reset before every batch (outside the timed region)."""

    def __init__(self, on_step):
        self.on_step, self.t0 = on_step, 0.0

    def callback(self):
        import keras
        timer = self

        class Callback(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                self.model.reset_metrics()  # logs["loss"] is then this batch's own loss, not the epoch's mean
                timer.t0 = time.perf_counter()

            def on_train_batch_end(self, batch, logs=None):
                seconds = time.perf_counter() - timer.t0
                timer.on_step(float(logs["loss"]), seconds)

        return Callback()


class Model:
    channels_last = True

    def __init__(self, network, initial, optimizer, mode, device):
        import keras
        if device != "cpu":
            raise Unsupported("tensorflow (Keras) runs on the CPU only here (the tensorflow-cpu wheel)")
        if keras.backend.backend() != "tensorflow":
            raise Unsupported(f"Keras runs on '{keras.backend.backend()}' here, not TensorFlow (KERAS_BACKEND)")
        keras.config.set_image_data_format("channels_last")  # what the layout conversions assume
        builder = Builder(network["token_mask"])
        shape = network["input_shape"]
        if network["input_kind"] == "image":
            shape = [shape[1], shape[2], shape[0]]
        inputs = keras.Input(shape=tuple(shape))
        x = inputs
        for layer in network["layers"]:
            x = builder.apply(layer, x)
        self.model = keras.Model(inputs, x)
        self.assignments = builder.assignments
        for k, indices, kind, flatten in self.assignments:
            k.set_weights(to_keras(kind, [initial[i] for i in indices], flatten))
        self.sigmoid = network["loss"] == "sigmoid_cross_entropy"
        self.param_count = len(initial)
        kind = optimizer["kind"]
        self.parity_exemption = None
        if kind == "adam" and any(k == "embedding" for _, _, k, _ in self.assignments):
            self.parity_exemption = (
                "Keras's Adam squares an Embedding's sparse gradient (a tf.IndexedSlices row per token occurrence) "
                "before the rows of a repeated token are summed: v gains the sum of the squares, the network's Adam "
                "(TensorFlow's C++ tier, MXNet's, torch's) the square of the sum, for every token that occurs more "
                "than once in a batch")
        if kind == "adam":
            opt = keras.optimizers.Adam(optimizer["learning_rate"], beta_1=optimizer["beta1"],
                                        beta_2=optimizer["beta2"], epsilon=optimizer["epsilon"])
        elif kind in ("sgd", "momentum"):
            opt = keras.optimizers.SGD(optimizer["learning_rate"], momentum=optimizer["momentum"] if kind == "momentum" else 0.0)
        else:
            raise Unsupported(f"optimizer '{kind}' is not supported: known are sgd, momentum and adam")
        self.mode = mode
        # loc: begin loss
        loss = (keras.losses.BinaryCrossentropy(from_logits=True) if self.sigmoid
                else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        # loc: end
        # loc: begin train_step
        self.model.compile(optimizer=opt, loss=loss,
                           jit_compile={"keras": "auto", "keras-nojit": False, "keras-xla": True, "keras-eager": False}[mode],
                           run_eagerly=mode == "keras-eager")
        # loc: end

    def train_epoch(self, x, y, batch, on_step, pipeline="memory"):
        labels = y.reshape(-1, 1) if self.sigmoid else y
        feed = keras_feed(x, labels, batch, pipeline)
        # loc: begin train_step
        self.model.fit(**feed, epochs=1, shuffle=False, verbose=0, callbacks=[StepTimer(on_step).callback()])
        # loc: end

    def predict(self, x):
        return np.asarray(self.model.predict_on_batch(x))

    def parameters(self):
        out = [None] * self.param_count
        for k, indices, kind, flatten in self.assignments:
            for i, value in zip(indices, from_keras(kind, k.get_weights(), flatten)):
                out[i] = value
        return out

    def mode_report(self):
        report = {"api": "keras.Model.fit", "jit_compile": bool(self.model.jit_compile),
                  "run_eagerly": bool(self.model.run_eagerly)}
        if self.parity_exemption:
            report["optimizer_note"] = self.parity_exemption
        return report


def build(network, initial, optimizer, mode, device):
    if mode not in ("keras", "keras-nojit", "keras-xla", "keras-eager"):
        raise Unsupported(f"tensorflow (Python) has no mode '{mode}'")
    return Model(network, initial, optimizer, mode, device)
