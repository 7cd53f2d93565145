"""MXNet's Gluon as its users write it: gluon.nn blocks built from the network's layers,
autograd.record, loss.backward() and Trainer.step — imperative, or hybridized."""
import os
import time

import numpy as np

from .protocol import Unsupported


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

    def block_for(layer):
        """One neutral layer as a Gluon block, and its parameters in the neutral order."""
        kind = layer["type"]
        # loc: begin layer dense
        if kind == "dense":
            b = nn.Dense(layer["units"], in_units=layer["in_shape"][0])
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
            b = nn.Embedding(layer["vocab"], layer["units"])
            return b, [b.weight]
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
            body, body_params = sequential(layer["body"])
            shortcut, shortcut_params = sequential(layer["shortcut"])
            return Residual(body, shortcut), body_params + shortcut_params
        # loc: end
        raise Unsupported(f"Gluon has no builder in versus for layer type '{kind}' ({layer['name']})")

    def sequential(layers):
        seq, params = nn.HybridSequential(), []
        for layer in layers:
            b, p = block_for(layer)
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
        self.net, self.params = blocks()(network["layers"])
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
