"""MXNet's Gluon as its users write it: gluon.nn blocks built from the network's layers,
autograd.record, loss.backward() and Trainer.step — imperative, or hybridized."""
import os
import time

import numpy as np

from .protocol import Unsupported
from .token_mask import TokenMask


def set_threads(threads):
    pass  # MXNet's operators read OMP_NUM_THREADS, which the runner sets before the worker starts


def threads_used():
    return {"omp": int(os.environ.get("OMP_NUM_THREADS", "0") or 0),
            "engine_workers": int(os.environ.get("MXNET_CPU_WORKER_NTHREADS", "1"))}


def describe():
    import mxnet as mx
    features = mx.runtime.Features()
    return {"framework": "mxnet", "version": mx.__version__, "frontend": "gluon",
            "build": {"mkldnn": features.is_enabled("MKLDNN"), "openmp": features.is_enabled("OPENMP"),
                      "cuda": features.is_enabled("CUDA"), "blas": next((f for f in ("BLAS_OPEN", "BLAS_MKL", "BLAS_ATLAS", "BLAS_APPLE")
                                                                          if features.is_enabled(f)), "?")},
            "library": mx.__file__}


def blocks():
    from mxnet import gluon
    from mxnet.gluon import nn, rnn

    # loc: begin layer lstm
    class LastStep(gluon.HybridBlock):
        """An LSTM returning the last time step's hidden state, as the neutral layer does."""
        def __init__(self, hidden, inputs):
            super().__init__()
            with self.name_scope():
                self.lstm = rnn.LSTM(hidden, layout="NTC", input_size=inputs)

        def hybrid_forward(self, F, x):
            return F.squeeze(F.slice_axis(self.lstm(x), axis=1, begin=-1, end=None), axis=1)
    # loc: end

    # loc: begin layer residual
    class Residual(gluon.HybridBlock):
        def __init__(self, body, shortcut):
            super().__init__()
            with self.name_scope():
                self.body, self.shortcut = body, shortcut

        def hybrid_forward(self, F, x):
            return self.body(x) + self.shortcut(x)
    # loc: end

    # loc: begin layer embedding
    class TokenEmbedding(gluon.HybridBlock):
        """nn.Embedding, setting the batch's token mask (ids != 0) where a later layer reads it."""
        def __init__(self, vocab, dim, mask):
            super().__init__()
            with self.name_scope():
                self.embedding = nn.Embedding(vocab, dim)
            self.mask = mask

        def hybrid_forward(self, F, ids):
            if self.mask is not None:
                self.mask.real = ids != 0  # a float 0/1 array (a symbol while hybridized)
            return self.embedding(ids)
    # loc: end

    # loc: begin layer positional_embedding
    class LearnedPositions(gluon.HybridBlock):
        """Rows 0..time of the table added position by position (time is the network's: static)."""
        def __init__(self, positions, time, width):
            super().__init__()
            self.time = time
            with self.name_scope():
                self.weight = self.params.get("weight", shape=(positions, width))

        def hybrid_forward(self, F, x, weight):
            return F.broadcast_add(x, F.expand_dims(F.slice_axis(weight, axis=0, begin=0, end=self.time), axis=0))
    # loc: end

    # loc: begin layer activation
    class TanhGelu(gluon.HybridBlock):
        """0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): MXNet 1.9 has no tanh-GELU kernel."""
        def hybrid_forward(self, F, x):
            return 0.5 * x * (1 + F.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))
    # loc: end

    # loc: begin layer multi_head_attention
    class SelfAttention(gluon.HybridBlock):
        """Self-attention as a Gluon user writes it without GluonNLP (and as the C++ tier does):
        q, k, v and output projections, batch_dot over [batch·heads, time, head width], softmax
        with (real − 1)·1e9 added at the padding keys."""
        def __init__(self, width, heads, mask):
            super().__init__()
            self.heads, self.scale, self.mask = heads, 1 / (width // heads) ** 0.5, mask
            with self.name_scope():
                self.q, self.k, self.v, self.o = (nn.Dense(width, flatten=False, in_units=width) for _ in range(4))

        def hybrid_forward(self, F, x):
            def by_head(t):  # [batch, time, width] -> [batch·heads, time, d]
                t = F.transpose(F.reshape(t, shape=(0, 0, self.heads, -1)), axes=(0, 2, 1, 3))
                return F.reshape(t, shape=(-3, 0, 0))
            q, k, v = by_head(self.q(x)), by_head(self.k(x)), by_head(self.v(x))
            scores = F.reshape(F.batch_dot(q, k, transpose_b=True) * self.scale, shape=(-4, -1, self.heads, 0, 0))
            padding = F.reshape((self.mask.real - 1) * 1e9, shape=(0, 1, 1, -1))  # [batch, 1, 1, time]
            probs = F.reshape(F.softmax(F.broadcast_add(scores, padding), axis=-1), shape=(-3, 0, 0))
            out = F.reshape(F.batch_dot(probs, v), shape=(-4, -1, self.heads, 0, 0))
            return self.o(F.reshape(F.transpose(out, axes=(0, 2, 1, 3)), shape=(0, 0, -3)))
    # loc: end

    # loc: begin layer mean_pool
    class MaskedMean(gluon.HybridBlock):
        """[batch, time, features] -> [batch, features]: the mean over the real positions."""
        def __init__(self, mask):
            super().__init__()
            self.mask = mask

        def hybrid_forward(self, F, x):
            real = F.expand_dims(self.mask.real, axis=2)
            return F.broadcast_div(F.sum(F.broadcast_mul(x, real), axis=1), F.sum(real, axis=1))
    # loc: end

    def block_for(layer, mask):
        """One neutral layer as a Gluon block, and its parameters in the neutral order; mask: the
        network's TokenMask, None where no layer reads it."""
        kind = layer["type"]
        # loc: begin layer dense
        if kind == "dense":  # over a flat input, or each position of a sequence
            b = nn.Dense(layer["units"], flatten=len(layer["in_shape"]) == 1, in_units=layer["in_shape"][-1])
            return b, [b.weight, b.bias]
        # loc: end
        # loc: begin layer conv2d
        if kind == "conv2d":
            b = nn.Conv2D(layer["units"], layer["kernel"], strides=layer["stride"], padding=layer["padding"],
                          in_channels=layer["in_shape"][0])
            return b, [b.weight, b.bias]
        # loc: end
        # loc: begin layer pool
        if kind == "max_pool":
            return nn.MaxPool2D(layer["kernel"], layer["stride"], layer["padding"]), []
        # loc: end
        # loc: begin layer pool
        if kind == "avg_pool":
            return nn.AvgPool2D(layer["kernel"], layer["stride"], layer["padding"], count_include_pad=False), []
        # loc: end
        # loc: begin layer activation
        if kind in ("relu", "sigmoid", "tanh"):
            return nn.Activation(kind), []
        if kind == "gelu":  # nn.GELU is the erf form
            return (TanhGelu() if layer["approximate"] == "tanh" else nn.GELU()), []
        # loc: end
        # loc: begin layer flatten
        if kind == "flatten":
            return nn.Flatten(), []
        # loc: end
        # loc: begin layer batch_norm
        if kind == "batch_norm":
            b = nn.BatchNorm(momentum=layer["momentum"], epsilon=layer["epsilon"], in_channels=layer["in_shape"][0])
            return b, [b.gamma, b.beta]
        # loc: end
        # loc: begin layer embedding
        if kind == "embedding":
            b = TokenEmbedding(layer["vocab"], layer["units"], mask)
            return b, [b.embedding.weight]
        # loc: end
        # loc: begin layer positional_embedding
        if kind == "positional_embedding":
            b = LearnedPositions(layer["positions"], *layer["in_shape"])
            return b, [b.weight]
        # loc: end
        # loc: begin layer layer_norm
        if kind == "layer_norm":
            b = nn.LayerNorm(epsilon=layer["epsilon"], in_channels=layer["in_shape"][-1])
            return b, [b.gamma, b.beta]
        # loc: end
        # loc: begin layer multi_head_attention
        if kind == "multi_head_attention":
            b = SelfAttention(layer["in_shape"][-1], layer["heads"], mask)
            return b, [p for d in (b.q, b.k, b.v, b.o) for p in (d.weight, d.bias)]
        # loc: end
        # loc: begin layer mean_pool
        if kind == "mean_pool":
            return MaskedMean(mask), []
        # loc: end
        # loc: begin layer lstm
        if kind == "lstm":
            b = LastStep(layer["units"], layer["in_shape"][-1])
            p = b.lstm.collect_params()
            names = sorted(p.keys())
            pick = lambda end: p[next(n for n in names if n.endswith(end))]
            return b, [pick("i2h_weight"), pick("h2h_weight"), pick("i2h_bias"), pick("h2h_bias")]
        # loc: end
        # loc: begin layer residual
        if kind == "residual":
            body, body_params = sequential(layer["body"], mask)
            shortcut, shortcut_params = sequential(layer["shortcut"], mask)
            return Residual(body, shortcut), body_params + shortcut_params
        # loc: end
        raise Unsupported(f"Gluon has no builder in versus for layer type '{kind}' ({layer['name']})")

    def sequential(layers, mask):
        seq, params = nn.HybridSequential(), []
        for layer in layers:
            b, p = block_for(layer, mask)
            seq.add(b)
            params += p
        return seq, params  # an empty HybridSequential is the identity

    return sequential



PIPELINES = ("memory", "dataloader", "dataloader-workers")


def gluon_batches(mx, x, y, batch, pipeline):
    """An epoch's batches, in the order given, as a Gluon user feeds them: memory slices the arrays;
    dataloader is gluon.data.DataLoader over an ArrayDataset (no shuffling: the order is the harness's;
    the short tail discarded), in the training process (num_workers=0) or in one worker process
    (dataloader-workers, num_workers=1)."""
    if pipeline == "memory":
        return ((x[b:b + batch], y[b:b + batch]) for b in range(0, len(x) - batch + 1, batch))
    if pipeline in ("dataloader", "dataloader-workers"):
        from mxnet import gluon
        return gluon.data.DataLoader(gluon.data.ArrayDataset(x, y), batch_size=batch, shuffle=False,
                                     last_batch="discard", num_workers=1 if pipeline == "dataloader-workers" else 0)
    raise Unsupported(f"Gluon has no input pipeline '{pipeline}' in versus (it has {', '.join(PIPELINES)})")

class Model:
    channels_last = False

    def __init__(self, network, initial, optimizer, mode, device):
        import mxnet as mx
        from mxnet import gluon
        if device != "cpu":
            raise Unsupported("mxnet (Gluon) runs on the CPU only here (the mxnet wheel is a CPU build)")
        self.mx = mx
        self.net, self.params = blocks()(network["layers"], TokenMask() if network["token_mask"] else None)
        self.net.initialize(mx.init.Zero())
        for p, value in zip(self.params, initial):
            p.set_data(mx.nd.array(value))
        self.sigmoid = network["loss"] == "sigmoid_cross_entropy"
        self.mode = mode
        if mode == "gluon-hybridized":
            self.net.hybridize(static_alloc=True, static_shape=True)
        # loc: begin loss
        self.loss = (gluon.loss.SigmoidBinaryCrossEntropyLoss(from_sigmoid=False) if self.sigmoid
                     else gluon.loss.SoftmaxCrossEntropyLoss())
        # loc: end
        kind = optimizer["kind"]
        settings = {"learning_rate": optimizer["learning_rate"], "wd": 0.0}
        if kind == "adam":
            settings.update(beta1=optimizer["beta1"], beta2=optimizer["beta2"], epsilon=optimizer["epsilon"])
        elif kind == "momentum":
            settings["momentum"] = optimizer["momentum"]
        elif kind != "sgd":
            raise Unsupported(f"optimizer '{kind}' is not supported: known are sgd, momentum and adam")
        self.trainer = gluon.Trainer(self.net.collect_params(), "adam" if kind == "adam" else "sgd", settings)

    def train_epoch(self, x, y, batch, on_step, pipeline="memory"):
        mx = self.mx
        for xb, yb in gluon_batches(mx, x, y, batch, pipeline):
            t0 = time.perf_counter()
            # loc: begin train_step
            inputs = xb if isinstance(xb, mx.nd.NDArray) else mx.nd.array(xb)
            labels = yb if isinstance(yb, mx.nd.NDArray) else mx.nd.array(yb)
            if self.sigmoid:
                labels = labels.reshape((-1, 1))
            with mx.autograd.record():
                loss = self.loss(self.net(inputs), labels)
            loss.backward()
            self.trainer.step(len(xb))  # the gradient of the batch mean: Gluon's idiom
            value = loss.mean().asscalar()
            # loc: end
            mx.nd.waitall()  # the update is asynchronous: the step ends when it is done
            on_step(float(value), time.perf_counter() - t0)

    def predict(self, x):
        return self.net(self.mx.nd.array(x)).asnumpy()

    def parameters(self):
        return [p.data().asnumpy() for p in self.params]

    def mode_report(self):
        return {"api": "gluon.Trainer (Python)", "hybridized": self.mode == "gluon-hybridized",
                "engine": os.environ.get("MXNET_ENGINE_TYPE", "ThreadedEnginePerDevice")}


def build(network, initial, optimizer, mode, device):
    if mode not in ("gluon", "gluon-hybridized"):
        raise Unsupported(f"mxnet (Python) has no mode '{mode}'")
    return Model(network, initial, optimizer, mode, device)
